package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/app"
)

// TestGUIReceivesAndShows runs the real desktop app in a virtual X display,
// sends it a file from lempar-cli (auto-accepted as a known device), checks
// the file arrived and that a screenshot of the window is not blank.
func TestGUIReceivesAndShows(t *testing.T) {
	gui := buildGUI(t)
	tmp := t.TempDir()
	display := startXvfb(t)

	// The sender's identity, made known and auto-accepted on the GUI side.
	txCfg := filepath.Join(tmp, "tx")
	out, err := exec.Command(cliPath, "--config", txCfg, "id", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var me struct{ ID string }
	if err := json.Unmarshal(out, &me); err != nil {
		t.Fatal(err)
	}
	guiCfg, dl := filepath.Join(tmp, "gui"), filepath.Join(tmp, "dl")
	trust, err := app.OpenTrustStore(mkdir(t, guiCfg))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trust.Remember(app.KnownDevice{ID: me.ID, Name: "Budi"}); err != nil {
		t.Fatal(err)
	}
	if err := trust.SetAutoAccept(me.ID, true); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	st := app.DefaultSettings()
	st.DeviceName, st.DownloadDir, st.Port = "Sari-PC", dl, port
	if err := app.SaveSettings(guiCfg, st); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(gui)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LEMPAR_CONFIG_DIR="+guiCfg,
		"XDG_CONFIG_HOME="+filepath.Join(tmp, "xdg"), "LEMPAR_MDNS_LOOPBACK=1", "LANG=en_US.UTF-8")
	logf, _ := os.Create(filepath.Join(tmp, "gui.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	// Wait for the app's receiver: poll its port with a deadline.
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	waitFor(t, 60*time.Second, func() bool { return dialOK(addr) })
	src := filepath.Join(tmp, "src", "laporan.pdf")
	writeRandom(t, src, 3<<20)
	if ev, code, stderr := sendCmd(t, txCfg, "--to", addr, src); code != 0 {
		t.Fatalf("send to the GUI failed: %v\n%s\n%s", ev, stderr, readFile(filepath.Join(tmp, "gui.log")))
	}
	if err := sameFile(src, filepath.Join(dl, "laporan.pdf")); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(tmp, "shot.png")
	var img image.Image
	// The window draws its transfer row on its own schedule; take shots
	// until one shows more than a blank frame.
	waitFor(t, 20*time.Second, func() bool {
		if err := exec.Command("import", "-display", display, "-window", "root", shot).Run(); err != nil {
			return false
		}
		img = readPNG(t, shot)
		return distinctColours(img) > 20
	})
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
		t.Fatalf("screenshot too small: %v", b)
	}
	t.Logf("screenshot %s: %d distinct colours", shot, distinctColours(img))
}

func startXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1024x680x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { _ = x.Process.Kill(); _ = x.Wait() })
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("Xvfb did not report a display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

func mkdir(t *testing.T, p string) string {
	if err := os.MkdirAll(p, 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(p string) string { b, _ := os.ReadFile(p); return string(b) }

func readPNG(t *testing.T, p string) image.Image {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func distinctColours(img image.Image) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	return len(seen)
}
