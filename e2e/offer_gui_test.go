package e2e

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/testproc"
)

// The offer flow in the real window, from the keyboard, at a person's
// pace: lempar-cli offers a file; the dialog shows the code the sender
// printed; the person tabs to Change…, takes 20 s in Fyne's folder chooser,
// walks into another folder with the arrow keys, confirms it, tabs to
// Accept; the file arrives in that folder, byte for byte, and only there.
func TestGUIOfferChangeFolderFromTheKeyboard(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 20 s on purpose")
	}
	needXdotool(t)
	display := startXvfb(t)
	g := newGUIDevice(t, "Sari-PC")
	chosen := mkdir(t, filepath.Join(g.dl, "elsewhere"))
	buildGUI(t) // before the clock starts
	began := time.Now()
	w := openWindow(t, display, g, nil)
	w.traced(20*time.Second, `ui: running`)
	before := w.shotUntil("0-before", 20*time.Second, func(img image.Image) bool { return distinctColours(img) > 20 })

	src := filepath.Join(t.TempDir(), "laporan.pdf")
	writeRandom(t, src, 2<<20)
	tx := start(t, nil, "--config", t.TempDir(), "send", "--json", "--name", "Budi", "--to", w.addr(), src)
	waiting := tx.Next(20*time.Second, "the offer waiting with its code", func(e testproc.Event) bool {
		return e.Str("state") == "waiting" && e.Str("code") != ""
	})

	// The dialog is up with the sender's code. Pixels can't be read back
	// as text, so the window says what its code label shows.
	m := w.traced(20*time.Second, `offer (\S+) from "Budi" shown with code "([^"]*)"`)
	offerID, shown := m[1], m[2]
	if strings.ReplaceAll(shown, " ", "") != waiting.Str("code") || len(shown) != 7 {
		t.Fatalf("the dialog shows code %q, the sender printed %q", shown, waiting.Str("code"))
	}
	// A modal dialog over the dimmed window changes much of the screen.
	dialog := w.shotUntil("1-offer", 10*time.Second, func(img image.Image) bool { return changed(before, img) > 0.2 })

	// Focus starts on Decline (Budi is new here): Tab, Tab reaches Change….
	w.keys("Tab", "Tab", "space")
	chooser := w.shotUntil("2-chooser", 10*time.Second, func(img image.Image) bool { return changed(dialog, img) > 0.2 })
	t.Logf("the folder chooser is open; the person takes 20 s")
	time.Sleep(20 * time.Second) // the person's pace, not a readiness wait
	if tx.Exited() {
		fin, _ := tx.LastFinal()
		t.Fatalf("the offer did not wait for the person: the sender ended with %v", fin)
	}
	// In the chooser: Tab to the places list, Tab to the folder grid (on
	// "(Parent)"), Right to "elsewhere", Space walks into it; Shift+Tab
	// twice (past the places list, round to the last button) is Open.
	w.keys("Tab", "Tab", "Right", "space", "shift+Tab", "shift+Tab", "space")
	m = w.traced(10*time.Second, `offer `+offerID+` saves to "([^"]*)"`)
	if m[1] != chosen {
		t.Fatalf("the dialog now saves to %q, want %s", m[1], chosen)
	}
	w.shotUntil("3-chosen", 10*time.Second, func(img image.Image) bool { return changed(chooser, img) > 0.2 })

	// Focus is back on Change…; past "Always accept" and Decline is Accept.
	w.keys("Tab", "Tab", "Tab", "space")
	if code := tx.Exit(30 * time.Second); code != 0 {
		fin, _ := tx.LastFinal()
		t.Fatalf("the sender ended with status %d: %v\n%s", code, fin, tx.Stderr())
	}
	if fin, _ := tx.LastFinal(); fin.Str("state") != "done" {
		t.Fatalf("the sender's final event: %v", fin)
	}
	if err := sameFile(src, filepath.Join(chosen, "laporan.pdf")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(g.dl, "laporan.pdf")); err == nil {
		t.Error("the file also landed in the default folder")
	}
	t.Logf("offered, chosen and received in %v (20 s of it the person's); screenshots in %s",
		time.Since(began).Round(time.Millisecond), w.shots)
}
