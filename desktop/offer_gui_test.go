package desktop

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/ui"
)

// The offer flow at a person's pace, through the real windows (Fyne's test
// driver) against the real backends and devices on loopback: the sender's
// window shows the code its receiver's dialog shows; the receiver opens
// Change…, takes 20 s, picks another folder in the folder chooser, accepts,
// and the file arrives in that folder.
func TestOfferThroughBothWindowsAtAPersonsPace(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 20 s on purpose")
	}
	t.Setenv("LANG", "en_US.UTF-8")
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	rxB, rxDev, _ := startNode(t)
	txB, _, txRec := startNode(t)
	if _, err := txB.dev.Trust.Remember(app.KnownDevice{ID: rxDev.Identity.ID, Name: "Sari-PC", LastAddr: "127.0.0.1:" + itoa(rxDev.Port())}); err != nil {
		t.Fatal(err)
	}
	dl := rxDev.Settings().DownloadDir
	chosen := filepath.Join(dl, "elsewhere")
	if err := os.MkdirAll(chosen, 0o755); err != nil {
		t.Fatal(err)
	}

	a := test.NewTempApp(t)
	rxWin, rxStep := ui.NewSerial(a, rxB)
	txWin, txStep := ui.NewSerial(a, txB)
	t.Cleanup(func() { rxWin.Close(); txWin.Close() })
	for _, g := range []*ui.GUI{rxWin, txWin} {
		g.Window().Resize(fyne.NewSize(960, 700))
	}
	step := func() { rxStep(); txStep() }
	// until steps both windows until cond holds, or fails after limit.
	until := func(what string, limit time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for step(); !cond(); step() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %v", what, limit)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	src := filepath.Join(t.TempDir(), "laporan.pdf")
	if err := os.WriteFile(src, []byte(strings.Repeat("lempar ", 40_000)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := txB.SendPaths([]string{rxDev.Identity.ID}, []string{src}); err != nil {
		t.Fatal(err)
	}

	// The receiver's dialog and the sender's row both show the code.
	rxCanvas := rxWin.Window().Canvas()
	var dialogCode, rowCode string
	until("the offer dialog", 20*time.Second, func() bool {
		dialogCode = firstCode(rxCanvas.Overlays().Top())
		return dialogCode != ""
	})
	until("the code on the sender's row", 20*time.Second, func() bool {
		rowCode = firstCode(txWin.Window().Canvas().Content())
		return rowCode != ""
	})
	if dialogCode != rowCode || len(strings.ReplaceAll(rowCode, " ", "")) != 6 {
		t.Fatalf("receiver's dialog shows %q, sender's row %q", dialogCode, rowCode)
	}
	if ev := lastOutgoing(txRec); ev.Code == "" || formatted(ev.Code) != rowCode {
		t.Fatalf("the sender's event carries code %q, its row shows %q", ev.Code, rowCode)
	}
	if !hasText(txWin.Window().Canvas().Content(), "Check that Sari-PC shows the same code.") {
		t.Error("the sender's row does not ask to compare the code")
	}

	// Change…: the folder chooser opens in the download folder; the person
	// takes 20 s, during which the countdown keeps moving.
	tapText(t, rxCanvas.Overlays().Top(), "Change…")
	chooser := rxCanvas.Overlays().Top()
	waitStart := time.Now()
	until("a 20 s pause", 25*time.Second, func() bool { return time.Since(waitStart) >= 20*time.Second })
	offer := rxCanvas.Overlays().List()[0]
	if left := countdown(offer); left == "" || left == "Answer within 2:00" {
		t.Errorf("after 20 s the countdown reads %q", left)
	}
	// Into "elsewhere", then the chooser's confirm button.
	tapText(t, chooser, "elsewhere")
	step()
	tapText(t, chooser, "Open")
	step()
	if !hasText(offer, chosen) {
		t.Fatalf("the dialog does not show the chosen folder %s", chosen)
	}
	tapText(t, offer, "Accept")
	until("the file in the chosen folder", 30*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(chosen, "laporan.pdf"))
		return err == nil
	})
	if err := sameContent(src, filepath.Join(chosen, "laporan.pdf")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dl, "laporan.pdf")); err == nil {
		t.Error("the file also landed in the default folder")
	}
}

// firstCode is the text of the first large monospace label under o: the
// verification code in the offer dialog and in a waiting sender's row.
func firstCode(o fyne.CanvasObject) string {
	if o == nil {
		return ""
	}
	for _, x := range test.LaidOutObjects(o) {
		if l, ok := x.(*widget.Label); ok && l.Visible() && l.TextStyle.Monospace && l.Text != "" {
			return l.Text
		}
	}
	return ""
}

func hasText(o fyne.CanvasObject, s string) bool {
	for _, x := range test.LaidOutObjects(o) {
		switch w := x.(type) {
		case *widget.Label:
			if w.Visible() && w.Text == s {
				return true
			}
		case *widget.RichText:
			if w.Visible() && w.String() == s {
				return true
			}
		}
	}
	return false
}

func countdown(o fyne.CanvasObject) string {
	for _, x := range test.LaidOutObjects(o) {
		if r, ok := x.(*widget.RichText); ok && r.Visible() && strings.HasPrefix(r.String(), "Answer within") {
			return r.String()
		}
	}
	return ""
}

// tapText taps the widget labelled text under o (a button, a folder in
// the chooser), as a pointer would. Fyne keeps a
// widget's label in the widget (Button.Text, the chooser item's name).
func tapText(t *testing.T, o fyne.CanvasObject, text string) {
	t.Helper()
	for _, y := range test.LaidOutObjects(o) {
		if tp, ok := y.(fyne.Tappable); ok && y.Visible() && label(y) == text {
			test.Tap(tp)
			return
		}
	}
	t.Fatalf("nothing to tap labelled %q; showing %q", text, texts(o))
}

// label reads a widget's Text or name field, embedded ones included.
func label(o fyne.CanvasObject) string {
	v := reflect.ValueOf(o)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	for _, f := range []string{"Text", "name"} {
		if fv := v.Elem().FieldByName(f); fv.IsValid() && fv.Kind() == reflect.String {
			return fv.String()
		}
	}
	return ""
}

func texts(o fyne.CanvasObject) (out []string) {
	for _, x := range test.LaidOutObjects(o) {
		if r, ok := x.(*widget.RichText); ok && r.Visible() {
			out = append(out, r.String())
		}
	}
	return out
}

func lastOutgoing(r *recorder) (last struct{ Code string }) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if u, ok := e.(ui.TransferUpdated); ok && u.Transfer.Direction == ui.Outgoing && u.Transfer.Code != "" {
			last.Code = u.Transfer.Code
		}
	}
	return last
}

func formatted(code string) string { return code[:3] + " " + code[3:] }

func sameContent(a, b string) error {
	x, err := os.ReadFile(a)
	if err != nil {
		return err
	}
	y, err := os.ReadFile(b)
	if err != nil {
		return err
	}
	if string(x) != string(y) {
		return os.ErrInvalid
	}
	return nil
}
