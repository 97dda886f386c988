package e2e

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/internal/testproc"
)

// Helpers for driving the real window like a person: the app runs on an
// Xvfb display against the real device, keys go in through xdotool, and
// what the window shows is checked in screenshots and, where pixels can't
// be read, in the lines LEMPAR_TRACE_UI=1 makes the window log.

// window is the desktop app running on an Xvfb display.
type window struct {
	*testproc.Proc
	t       *testing.T
	display string
	dev     guiDevice
	shots   string // where screenshots go
}

// needXdotool skips unless the tools for a driven window are installed.
func needXdotool(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (make deps-test installs it)")
	}
}

// openWindow starts the app for g on display, in English at scale 1 with
// no session bus (so no tray and no portal) unless env says otherwise, and
// returns once its receiver answers.
func openWindow(t *testing.T, display string, g guiDevice, env []string, args ...string) *window {
	t.Helper()
	cmd := exec.Command(buildGUI(t), append([]string{"--config", g.cfg}, args...)...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "XDG_CONFIG_HOME="+filepath.Join(filepath.Dir(g.cfg), "xdg"),
		"LEMPAR_MDNS_LOOPBACK=1", "LANG=en_US.UTF-8", "LANGUAGE=", "LC_ALL=", "LC_MESSAGES=", "FYNE_SCALE=1",
		"DBUS_SESSION_BUS_ADDRESS=", "LEMPAR_TRACE_UI=1")
	cmd.Env = append(cmd.Env, env...) // later entries win
	p := testproc.Start(t, cmd, testproc.Options{Name: "lempar", MergeStderr: true})
	w := &window{Proc: p, t: t, display: display, dev: g, shots: shotDir(t)}
	waitFor(t, 60*time.Second, func() bool { return p.Exited() || dialOK(w.addr()) })
	if p.Exited() {
		t.Fatalf("the app exited at start:\n%s", p.Output())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("screenshots in %s; the app's log:\n%s", w.shots, testproc.Tail(p.Output(), 3000))
		}
	})
	return w
}

func (w *window) addr() string { return fmt.Sprintf("127.0.0.1:%d", w.dev.port) }

// shotDir is where a test's screenshots go: LEMPAR_E2E_SHOTS/<test> when
// that is set (to keep them for a look), else the test's temp folder.
func shotDir(t *testing.T) string {
	if d := os.Getenv("LEMPAR_E2E_SHOTS"); d != "" {
		return mkdir(t, filepath.Join(d, strings.ReplaceAll(t.Name(), "/", "_")))
	}
	return t.TempDir()
}

// traced waits for a line the window logs (LEMPAR_TRACE_UI) to match re
// and returns its submatches.
func (w *window) traced(timeout time.Duration, re string) []string {
	w.t.Helper()
	rx := regexp.MustCompile(re)
	var m []string
	if !w.Until(timeout, func() bool { m = rx.FindStringSubmatch(w.Output()); return m != nil }) {
		w.t.Fatalf("the window did not log %q within %v", re, timeout)
	}
	return m
}

// visibleWindows lists the app's mapped windows on display.
func visibleWindows(display string) []string {
	out, _ := xdotool(display, "search", "--onlyvisible", "--name", "^Lempar$").Output()
	return strings.Fields(string(out))
}

// keys focuses the main window and types keys, one after the other. Fyne
// handles them in order on its main thread, so a key that opens a dialog
// is done before the next one arrives.
func (w *window) keys(keys ...string) {
	w.t.Helper()
	var win []string
	waitFor(w.t, 20*time.Second, func() bool { win = visibleWindows(w.display); return len(win) > 0 })
	if out, err := xdotool(w.display, "windowfocus", "--sync", win[0]).CombinedOutput(); err != nil {
		w.t.Fatalf("xdotool windowfocus: %v %s", err, out)
	}
	args := append([]string{"key", "--clearmodifiers", "--delay", "60"}, keys...)
	if out, err := xdotool(w.display, args...).CombinedOutput(); err != nil {
		w.t.Fatalf("xdotool key %v: %v %s", keys, err, out)
	}
}

// shotUntil takes screenshots of the display into name.png until ok
// accepts one (the window draws on its own schedule), and returns it.
func (w *window) shotUntil(name string, timeout time.Duration, ok func(image.Image) bool) image.Image {
	w.t.Helper()
	path := filepath.Join(w.shots, name+".png")
	var img image.Image
	deadline := time.Now().Add(timeout)
	for {
		if err := exec.Command("import", "-display", w.display, "-window", "root", path).Run(); err == nil {
			img = readPNG(w.t, path)
			if ok(img) {
				return img
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("screenshot %s: not as expected within %v", path, timeout)
		}
		time.Sleep(100 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

// changed is the share of pixels (sampled) that differ between a and b.
func changed(a, b image.Image) float64 {
	ab, bb := a.Bounds(), b.Bounds()
	if ab != bb {
		return 1
	}
	diff, all := 0, 0
	for y := ab.Min.Y; y < ab.Max.Y; y += 2 {
		for x := ab.Min.X; x < ab.Max.X; x += 2 {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				diff++
			}
			all++
		}
	}
	return float64(diff) / float64(all)
}

// knownSender makes a lempar-cli identity that g remembers and accepts
// from without asking (as after "Always accept"); call before g starts.
func knownSender(t *testing.T, g guiDevice, name string) (cfg string) {
	t.Helper()
	cfg = filepath.Join(t.TempDir(), "tx")
	id := deviceID(t, cfg)
	trust, err := app.OpenTrustStore(g.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trust.Remember(app.KnownDevice{ID: id, Name: name}); err != nil {
		t.Fatal(err)
	}
	if err := trust.SetAutoAccept(id, true); err != nil {
		t.Fatal(err)
	}
	return cfg
}
