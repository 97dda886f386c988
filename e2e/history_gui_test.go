package e2e

import (
	"image"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// History's Open and Show in folder in the real window, from the keyboard,
// with a stub xdg-open and dbus-send first on the app's PATH: each launcher
// gets the received file's own path (a name with a space and a comma, so
// quoting and URI escaping show), not its folder or a name.
func TestGUIHistoryOpenAndShowInFolder(t *testing.T) {
	needXdotool(t)
	display := startXvfb(t)
	stubs := stubOpeners(t, "xdg-open", "dbus-send")
	g := newGUIDevice(t, "Sari-PC")
	txCfg := knownSender(t, g, "Budi")
	buildGUI(t) // before the clock starts
	began := time.Now()
	w := openWindow(t, display, g, []string{"PATH=" + stubs + string(os.PathListSeparator) + os.Getenv("PATH")})
	w.traced(20*time.Second, `ui: running`)

	src := filepath.Join(t.TempDir(), "laporan akhir, v2.pdf")
	writeRandom(t, src, 1<<20)
	if ev, code, stderr := sendCmd(t, txCfg, "--to", w.addr(), src); code != 0 {
		t.Fatalf("send: status %d, %v\n%s", code, ev, stderr)
	}
	got := filepath.Join(g.dl, "laporan akhir, v2.pdf")
	if err := sameFile(src, got); err != nil {
		t.Fatal(err)
	}
	// History lists what is in its store; wait until the entry is written.
	waitFor(t, 10*time.Second, func() bool {
		return strings.Contains(readFile(filepath.Join(g.cfg, "history.json")), got)
	})
	home := w.shotUntil("0-main", 10*time.Second, func(img image.Image) bool { return distinctColours(img) > 20 })

	w.keys("ctrl+h")
	w.shotUntil("1-history", 10*time.Second, func(img image.Image) bool { return changed(home, img) > 0.05 })
	// Tab to the list, Tab to the entry's Open: Space.
	w.keys("Tab", "Tab", "space")
	if args := stubArgs(t, stubs, "xdg-open"); len(args) != 1 || args[0] != got {
		t.Fatalf("Open ran xdg-open %q, want the file %q", args, got)
	}
	// Tab to Show in folder: the file manager is asked to select the file.
	w.keys("Tab", "space")
	args := stubArgs(t, stubs, "dbus-send")
	uri := (&url.URL{Scheme: "file", Path: got}).String()
	uri = strings.ReplaceAll(uri, ",", "%2C") // dbus-send splits arrays at commas
	if len(args) < 2 || args[len(args)-2] != "array:string:"+uri || !contains(args, "org.freedesktop.FileManager1.ShowItems") {
		t.Fatalf("Show in folder ran dbus-send %q, want ShowItems of %s", args, uri)
	}
	w.shotUntil("2-after", 10*time.Second, func(image.Image) bool { return true })
	t.Logf("received, opened and shown in folder in %v; screenshots in %s", time.Since(began).Round(time.Millisecond), w.shots)
}

// stubOpeners makes a folder of programs that record their arguments, one
// a line, in <name>.args and succeed.
func stubOpeners(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		out := filepath.Join(dir, n+".args")
		script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + out + ".tmp' && mv '" + out + ".tmp' '" + out + "'\n"
		if err := os.WriteFile(filepath.Join(dir, n), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// stubArgs waits for the stub name to have run and returns its arguments.
func stubArgs(t *testing.T, dir, name string) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, name+".args")); err == nil {
			return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not run within 10 s", name)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
