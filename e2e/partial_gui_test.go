package e2e

import (
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/testproc"
)

// Partial accept in the real window, from the keyboard: lempar-cli offers
// three files; the person tabs to the first file's tick box, unticks it
// with Space and tabs on to Accept. Only the other two arrive, and the
// sender's --json events and exit status say one was skipped, by whom.
func TestGUIPartialAcceptFromTheKeyboard(t *testing.T) {
	needXdotool(t)
	display := startXvfb(t)
	g := newGUIDevice(t, "Sari-PC")
	w := openWindow(t, display, g, nil)
	w.traced(20*time.Second, `ui: running`)
	before := w.shotUntil("0-before", 20*time.Second, func(img image.Image) bool { return distinctColours(img) > 20 })

	src := t.TempDir()
	var paths []string
	for _, n := range []string{"a-skip.txt", "b.bin", "c.pdf"} {
		p := filepath.Join(src, n)
		writeRandom(t, p, 300<<10)
		paths = append(paths, p)
	}
	tx := start(t, nil, append([]string{"--config", t.TempDir(), "send", "--json", "--name", "Budi", "--to", w.addr()}, paths...)...)
	tx.Next(20*time.Second, "the offer waiting", func(e testproc.Event) bool { return e.Str("state") == "waiting" })
	w.traced(20*time.Second, `offer \S+ from "Budi" shown`)
	offer := w.shotUntil("1-offer", 10*time.Second, func(img image.Image) bool { return changed(before, img) > 0.2 })

	// Focus starts on Decline (Budi is new). Tab: Accept, "All items",
	// the first file's box; Space unticks it. One Shift+Tab is back on
	// Accept (a screenshot after each step showed the order).
	w.keys("Tab", "Tab", "Tab", "space")
	w.shotUntil("2-unticked", 10*time.Second, func(img image.Image) bool { return changed(offer, img) > 0 })
	w.keys("shift+Tab", "space")
	w.traced(10*time.Second, `offer \S+ accepted with 2 of 3 items ticked`)
	if code := tx.Exit(30 * time.Second); code != 0 {
		t.Fatalf("the sender ended with status %d\n%s", code, tx.Stderr())
	}
	fin, _ := tx.LastFinal()
	if fin.Str("state") != "done" || fin.Num("skipped") != 1 || fin.Num("files") != 2 {
		t.Fatalf("the sender's final event: %v", fin)
	}
	if items, _ := fin.M["skipped_items"].([]any); len(items) != 1 || items[0] != "a-skip.txt" {
		t.Fatalf("skipped_items %v", fin.M["skipped_items"])
	}
	for i, p := range paths {
		err := sameFile(p, filepath.Join(g.dl, filepath.Base(p)))
		if i == 0 {
			if _, serr := os.Stat(filepath.Join(g.dl, "a-skip.txt")); serr == nil {
				t.Error("the unticked file arrived")
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
		}
	}
}
