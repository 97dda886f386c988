package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/internal/testproc"
)

var (
	guiOnce sync.Once
	guiBin  string
	guiErr  error
)

// buildGUI builds the desktop app once for all tests, or skips when the
// tools for a real window are missing.
func buildGUI(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"Xvfb", "import", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make deps-test installs it)", tool)
		}
	}
	guiOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lempar-gui-bin")
		if err != nil {
			guiErr = err
			return
		}
		guiBin = filepath.Join(dir, "lempar")
		build := exec.Command("go", "build", "-o", guiBin, "..")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		guiErr = build.Run()
	})
	if guiErr != nil {
		t.Fatalf("building the GUI: %v", guiErr)
	}
	return guiBin
}

// guiDevice is a configured, not yet started, desktop app.
type guiDevice struct {
	cfg, dl, id string
	port        int
}

func newGUIDevice(t *testing.T, name string) guiDevice {
	t.Helper()
	tmp := t.TempDir()
	g := guiDevice{cfg: filepath.Join(tmp, "cfg"), dl: filepath.Join(tmp, "dl"), port: freePort(t)}
	g.id = deviceID(t, g.cfg)
	st := app.DefaultSettings()
	st.DeviceName, st.DownloadDir, st.Port, st.LocalSend = name, g.dl, g.port, false
	if err := app.SaveSettings(g.cfg, st); err != nil {
		t.Fatal(err)
	}
	return g
}

// deviceID makes (or reads) the identity in cfg.
func deviceID(t *testing.T, cfg string) string {
	t.Helper()
	out, err := exec.Command(cliPath, "--config", cfg, "id", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var me struct{ ID string }
	if err := json.Unmarshal(out, &me); err != nil {
		t.Fatal(err)
	}
	return me.ID
}

// startGUI runs the app on display with g's settings, announcing on
// loopback; it returns once the receiver answers.
func startGUI(t *testing.T, display string, g guiDevice) *testproc.Proc {
	t.Helper()
	cmd := exec.Command(buildGUI(t), "--config", g.cfg)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "XDG_CONFIG_HOME="+filepath.Join(filepath.Dir(g.cfg), "xdg"),
		"LEMPAR_MDNS_LOOPBACK=1", "LANG=en_US.UTF-8", "DBUS_SESSION_BUS_ADDRESS=", "LEMPAR_TRACE_QUIT=1")
	p := testproc.Start(t, cmd, testproc.Options{Name: "lempar", MergeStderr: true})
	waitFor(t, 60*time.Second, func() bool { return dialOK(fmt.Sprintf("127.0.0.1:%d", g.port)) })
	return p
}

// watchAndOffer starts `peers --watch` until it lists dev, and a send to
// dev's address that waits for its person to answer: a transfer in flight
// when dev quits.
func watchAndOffer(t *testing.T, devID string, port int) (watch, send *testproc.Proc) {
	t.Helper()
	watch = start(t, nil, "--config", t.TempDir(), "peers", "--watch", "--json", "--mdns-loopback")
	watch.Next(15*time.Second, "the device listed", func(e testproc.Event) bool {
		return e.Str("event") == "seen" && e.Str("id") == devID
	})
	src := filepath.Join(t.TempDir(), "laporan.pdf")
	writeRandom(t, src, 1<<20)
	send = start(t, nil, "--config", t.TempDir(), "send", "--json", "--name", "Budi", "--to", fmt.Sprintf("127.0.0.1:%d", port), src)
	send.Next(15*time.Second, "the offer waiting for an answer", func(e testproc.Event) bool {
		return e.Str("state") == "waiting" && e.Str("code") != ""
	})
	return watch, send
}

// checkQuitSeen: within 2 s of quitting, the device is listed as gone and
// the send in flight ends as cancelled by it (exit status 3), and the
// process exits within 3 s.
func checkQuitSeen(t *testing.T, quitAt time.Time, devID string, dev, watch, send *testproc.Proc) {
	t.Helper()
	lost := watch.Next(2*time.Second, "the device lost", func(e testproc.Event) bool {
		return e.Str("event") == "lost" && e.Str("id") == devID
	})
	_ = lost
	t.Logf("lost after %v", time.Since(quitAt).Round(time.Millisecond))
	code, ok := send.Wait(2*time.Second - time.Since(quitAt))
	if !ok {
		t.Fatalf("the send was still running 2 s after the receiver quit:\n%s", send.Stderr())
	}
	fin, _ := send.LastFinal()
	if code != 3 || fin.Str("state") != "cancelled" || fin.Str("error_code") != "peer-cancelled" {
		t.Fatalf("send ended with status %d, %v (want 3, cancelled by the receiver)\n%s", code, fin, send.Stderr())
	}
	if !strings.Contains(fin.Str("error"), "Sari-PC") && !strings.Contains(fin.Str("error"), "127.0.0.1") {
		t.Errorf("the error doesn't say who cancelled: %q", fin.Str("error"))
	}
	defer func() {
		t.Logf("quit at %s; its log:\n%s", quitAt.Format("15:04:05.000"), testproc.Tail(dev.Output(), 1500))
	}()
	if _, ok := dev.Wait(3*time.Second - time.Since(quitAt)); !ok {
		t.Fatalf("still running 3 s after quitting (at %s):\n%s", quitAt.Format("15:04:05.000"), dev.Output())
	}
}

// Quitting the window (Ctrl+Q) and SIGTERM: the other devices see it go.
func TestGUIQuitIsClean(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (make deps-test installs it)")
	}
	display := startXvfb(t)
	for _, how := range []string{"ctrl+q", "SIGTERM"} {
		t.Run(how, func(t *testing.T) {
			g := newGUIDevice(t, "Sari-PC")
			gui := startGUI(t, display, g)
			watch, send := watchAndOffer(t, g.id, g.port)
			var at time.Time
			if how == "SIGTERM" {
				at = gui.Signal(syscall.SIGTERM)
			} else {
				at = pressKeys(t, display, "Lempar", "ctrl+q")
			}
			checkQuitSeen(t, at, g.id, gui, watch, send)
		})
	}
}

// pressKeys focuses the window titled title and types keys.
func pressKeys(t *testing.T, display, title, keys string) time.Time {
	t.Helper()
	var win string
	waitFor(t, 20*time.Second, func() bool {
		out, err := xdotool(display, "search", "--onlyvisible", "--name", "^"+title+"$").Output()
		win = strings.TrimSpace(strings.Split(string(out), "\n")[0])
		return err == nil && win != ""
	})
	if out, err := xdotool(display, "windowfocus", "--sync", win).CombinedOutput(); err != nil {
		t.Fatalf("xdotool windowfocus: %v %s", err, out)
	}
	at := time.Now()
	if out, err := xdotool(display, "key", "--clearmodifiers", keys).CombinedOutput(); err != nil {
		t.Fatalf("xdotool key: %v %s", err, out)
	}
	return at
}

func xdotool(display string, args ...string) *exec.Cmd {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	return cmd
}

// SIGTERM to lempar-cli receive: the same promises as the window.
func TestReceiveSIGTERMIsClean(t *testing.T) {
	// A person who hasn't answered yet: stdin stays open (at its end, the
	// prompt would decline at once, as nobody could ever answer).
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	rx := startReceiver(t, t.TempDir(), t.TempDir(), r, "--mdns-loopback", "--no-localsend")
	watch, send := watchAndOffer(t, rx.id, rx.port)
	at := rx.Signal(syscall.SIGTERM)
	checkQuitSeen(t, at, rx.id, rx.Proc, watch, send)
}

// A second start of the app with the same settings folder exits at once
// and the first keeps running (and is asked to show its window).
func TestGUISecondLaunchExits(t *testing.T) {
	display := startXvfb(t)
	g := newGUIDevice(t, "Sari-PC")
	first := startGUI(t, display, g)
	cmd := exec.Command(buildGUI(t), "--config", g.cfg)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=en_US.UTF-8", "LEMPAR_MDNS_LOOPBACK=1")
	second := testproc.Start(t, cmd, testproc.Options{Name: "lempar (second)", MergeStderr: true})
	code, ok := second.Wait(10 * time.Second)
	if !ok || code != 0 {
		t.Fatalf("second launch: exited=%v status %d\n%s", ok, code, second.Output())
	}
	if !strings.Contains(second.Output(), "already running") {
		t.Errorf("second launch said: %q", second.Output())
	}
	if first.Exited() || !dialOK(fmt.Sprintf("127.0.0.1:%d", g.port)) {
		t.Fatalf("the first instance stopped:\n%s", first.Output())
	}
	// The CLI can't run the same identity either.
	rx := start(t, nil, "--config", g.cfg, "receive", "--port", "0", "--no-localsend")
	if code := rx.Exit(10 * time.Second); code == 0 || !strings.Contains(rx.Stderr(), "already running") {
		t.Fatalf("lempar-cli receive beside the app: status %d, %s", code, rx.Stderr())
	}
}

// --help and --version print and exit without starting anything (no
// display is needed).
func TestGUIHelpAndVersion(t *testing.T) {
	bin := buildGUI(t)
	cfg := filepath.Join(t.TempDir(), "cfg")
	for _, arg := range []string{"--help", "--version"} {
		cmd := exec.Command(bin, arg, "--config", cfg)
		cmd.Env = append(os.Environ(), "DISPLAY=", "LANG=en_US.UTF-8")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", arg, err, out)
		}
		if !strings.Contains(string(out), "lempar") {
			t.Errorf("%s printed %q", arg, out)
		}
		if _, err := os.Stat(cfg); !os.IsNotExist(err) {
			t.Fatalf("%s created the config folder", arg)
		}
	}
}

func dialOK(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err == nil {
		c.Close()
	}
	return err == nil
}
