package e2e

import (
	"image"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/lempar/lempar/internal/testproc"
)

// Start at login runs `lempar --background`. With a tray (a session bus
// where a StatusNotifierWatcher is present) the app starts with no window
// mapped and still receives; a second start brings the window forward, so
// the window could have shown on this display. Without a session bus, or
// with one and no watcher (stock GNOME), there is no tray to come back
// from, so the window shows.
func TestGUIBackgroundStart(t *testing.T) {
	needXdotool(t)
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Skip("dbus-daemon not installed (make deps-test installs dbus)")
	}
	display := startXvfb(t)
	buildGUI(t) // before the clocks start

	t.Run("tray", func(t *testing.T) {
		began := time.Now()
		bus := startSessionBus(t)
		ownTrayWatcher(t, bus)
		g := newGUIDevice(t, "Sari-PC")
		txCfg := knownSender(t, g, "Budi")
		w := openWindow(t, display, g, []string{"DBUS_SESSION_BUS_ADDRESS=" + bus}, "--background")
		// Once the app runs, a window shown at start would be mapped.
		w.traced(20*time.Second, `ui: running`)
		t.Logf("running after %v", time.Since(began).Round(time.Millisecond))
		src := filepath.Join(t.TempDir(), "laporan.pdf")
		writeRandom(t, src, 1<<20)
		if ev, code, stderr := sendCmd(t, txCfg, "--to", w.addr(), src); code != 0 {
			t.Fatalf("send to the hidden app: status %d, %v\n%s", code, ev, stderr)
		}
		if err := sameFile(src, filepath.Join(g.dl, "laporan.pdf")); err != nil {
			t.Fatal(err)
		}
		if win := visibleWindows(display); len(win) > 0 {
			t.Fatalf("started in the background, yet windows %v are mapped", win)
		}
		w.shotUntil("hidden", 10*time.Second, func(image.Image) bool { return true })
		t.Logf("received after %v", time.Since(began).Round(time.Millisecond))
		// A second start knocks; the first shows its window.
		second := exec.Command(buildGUI(t), "--config", g.cfg)
		second.Env = append(second.Environ(), "DISPLAY="+display, "LANG=en_US.UTF-8", "DBUS_SESSION_BUS_ADDRESS="+bus)
		if out, err := second.CombinedOutput(); err != nil || !strings.Contains(string(out), "already running") {
			t.Fatalf("second start: %v %s", err, out)
		}
		waitFor(t, 20*time.Second, func() bool { return len(visibleWindows(display)) == 1 })
		w.shotUntil("brought-forward", 10*time.Second, func(img image.Image) bool { return distinctColours(img) > 20 })
		t.Logf("hidden, received, brought forward in %v", time.Since(began).Round(time.Millisecond))
	})

	t.Run("session bus without a tray", func(t *testing.T) {
		bus := startSessionBus(t)
		g := newGUIDevice(t, "Sari-PC")
		w := openWindow(t, display, g, []string{"DBUS_SESSION_BUS_ADDRESS=" + bus}, "--background")
		w.traced(20*time.Second, `ui: running`)
		waitFor(t, 20*time.Second, func() bool { return len(visibleWindows(display)) == 1 })
	})

	t.Run("no session bus", func(t *testing.T) {
		began := time.Now()
		g := newGUIDevice(t, "Sari-PC")
		w := openWindow(t, display, g, nil, "--background")
		w.traced(20*time.Second, `ui: running`)
		waitFor(t, 20*time.Second, func() bool { return len(visibleWindows(display)) == 1 })
		t.Logf("no tray: the window shows after %v", time.Since(began).Round(time.Millisecond))
	})
}

// startSessionBus runs a private D-Bus session bus, as dbus-run-session
// does, and returns its address.
func startSessionBus(t *testing.T) string {
	t.Helper()
	addr := "unix:path=" + filepath.Join(t.TempDir(), "bus")
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--address="+addr, "--print-address=1")
	p := testproc.Start(t, cmd, testproc.Options{Name: "dbus-daemon"})
	if !p.Until(10*time.Second, func() bool { return strings.Contains(p.Output(), "unix:path=") }) {
		t.Fatalf("dbus-daemon did not start:\n%s%s", p.Output(), p.Stderr())
	}
	return addr
}

// ownTrayWatcher stands in for a tray host on bus: it owns the
// StatusNotifierWatcher name, which is what Lempar asks for, until the
// test ends. (Icons registered with it are never drawn; the test looks at
// windows only.)
func ownTrayWatcher(t *testing.T, bus string) {
	t.Helper()
	conn, err := dbus.Connect(bus)
	if err != nil {
		t.Fatalf("connect to the test's session bus: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own org.kde.StatusNotifierWatcher: %v %v", reply, err)
	}
}
