package desktop

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/ui"
)

// Partial accept through both real windows and devices on loopback: the
// receiver's person unticks two of four items, only the rest arrive, and
// the sender's row and history say what was skipped by whom.
func TestPartialAcceptThroughBothWindows(t *testing.T) {
	t.Setenv("LANG", "en_US.UTF-8")
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	rxB, rxDev, _ := startNode(t)
	txB, txDev, _ := startNode(t)
	if _, err := txB.dev.Trust.Remember(app.KnownDevice{ID: rxDev.Identity.ID, Name: "Sari-PC", LastAddr: "127.0.0.1:" + itoa(rxDev.Port())}); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	rxWin, rxStep := ui.NewSerial(a, rxB)
	txWin, txStep := ui.NewSerial(a, txB)
	t.Cleanup(func() { rxWin.Close(); txWin.Close() })
	for _, g := range []*ui.GUI{rxWin, txWin} {
		g.Window().Resize(fyne.NewSize(960, 700))
	}
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for rxStep(); !cond(); rxStep() {
			txStep()
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 30 s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
		txStep()
	}

	src := t.TempDir()
	files := map[string]string{"a.txt": "skip me", "Fotos/x.jpg": strings.Repeat("x", 70_000), "Fotos/sub/y.jpg": "y", "b.bin": strings.Repeat("b", 30_000), "c.txt": "skip me too"}
	for p, body := range files {
		full := filepath.Join(src, filepath.FromSlash(p))
		_ = os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var paths []string
	for _, n := range []string{"a.txt", "Fotos", "b.bin", "c.txt"} {
		paths = append(paths, filepath.Join(src, n))
	}
	if err := txB.SendPaths([]string{rxDev.Identity.ID}, paths); err != nil {
		t.Fatal(err)
	}
	canvas := rxWin.Window().Canvas()
	var rows []*widget.Check
	until("the offer dialog with four tick boxes", func() bool {
		rows = rows[:0]
		if top := canvas.Overlays().Top(); top != nil {
			for _, o := range test.LaidOutObjects(top) {
				if c, ok := o.(*widget.Check); ok && c.Visible() && c.Text == "" {
					rows = append(rows, c)
				}
			}
		}
		return len(rows) == 4
	})
	for _, i := range []int{0, 3} { // a.txt and c.txt
		test.TapAt(rows[i], fyne.NewPos(10, rows[i].Size().Height/2))
	}
	rxStep()
	if !hasText(canvas.Overlays().Top(), "Receiving 2 of 4 items (100 kB)") {
		t.Errorf("the dialog's totals: %q", texts(canvas.Overlays().Top()))
	}
	tapText(t, canvas.Overlays().Top(), "Accept")

	dl := rxDev.Settings().DownloadDir
	until("the accepted files on disk", func() bool {
		_, err := os.Stat(filepath.Join(dl, "b.bin"))
		return err == nil
	})
	const want = "To Sari-PC · 3 of 5 files; 2 skipped by Sari-PC"
	until("the sender's row saying what was skipped", func() bool { return hasText(txWin.Window().Canvas().Content(), want) })
	for p, body := range files {
		got, err := os.ReadFile(filepath.Join(dl, filepath.FromSlash(p)))
		kept := p == "b.bin" || strings.HasPrefix(p, "Fotos/")
		if kept && string(got) != body {
			t.Errorf("%s: kept but not delivered (%v)", p, err)
		}
		if !kept && !os.IsNotExist(err) {
			t.Errorf("%s: skipped but on disk (%v)", p, err)
		}
	}
	var h app.HistoryEntry
	until("the sender's history entry", func() bool {
		for _, e := range txDev.History.List() {
			if e.Direction == app.DirectionOut && e.State == "done" {
				h = e
				return true
			}
		}
		return false
	})
	if h.Skipped != 2 || h.Files != 3 || !slices.Equal(h.SkippedItems, []string{"a.txt", "c.txt"}) {
		t.Fatalf("history: files %d skipped %d %q", h.Files, h.Skipped, h.SkippedItems)
	}
}
