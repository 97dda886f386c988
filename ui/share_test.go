package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/lempar/lempar/ui/backend"
	"github.com/lempar/lempar/ui/uitest"
)

// openSharingGUI is openTestGUI with a backend that shares by link.
func openSharingGUI(t *testing.T) (*GUI, *uitest.Sharing) {
	t.Helper()
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LANG", "en_US.UTF-8")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	f := uitest.NewFake(SelfInfo{Name: "Budi's ThinkPad", ID: "a3f9c0de"}, Settings{DeviceName: "Budi's ThinkPad", Language: LangEnglish})
	s := uitest.NewSharing(f)
	c := &clock{now: testNow}
	g := newGUI(test.NewTempApp(t), s, options{
		systemLang: "en", now: c.Now, after: c.After, redrawEvery: 100 * time.Millisecond,
		background: func(work func() func()) {
			if then := work(); then != nil {
				then()
			}
		},
	})
	g.win.Resize(fyne.NewSize(960, 620))
	t.Cleanup(g.Close)
	return g, s
}

// The send sheet offers Share via link; the share sheet shows the link
// and its code, lets the person allow a waiting browser, follows changes,
// and Stop sharing ends the share.
func TestShareSheet(t *testing.T) {
	g, s := openSharingGUI(t)
	s.SetShare(backend.ShareInfo{URLs: []string{"https://10.0.0.5:53317/", "http://10.0.0.5:53317/"}, Files: 2, Size: 1500})
	g.sendSheet([]string{"/tmp/a.txt", "/tmp/b.txt"})
	test.Tap(topDialogButton(t, g, "Share via link…"))
	sheet := g.win.Canvas().Overlays().Top()
	if sheet == nil {
		t.Fatal("no share sheet")
	}
	texts := strings.Join(overlayTexts(g), "\n")
	for _, want := range []string{"https://10.0.0.5:53317/", "http://10.0.0.5:53317/", "Sharing 2 files · 1.5 kB — a.txt, b.txt", "No browser has opened the link yet."} {
		if !strings.Contains(texts, want) {
			t.Errorf("sheet lacks %q; shows:\n%s", want, texts)
		}
	}
	if qr := findShareQR(g); qr == nil || qr.Image == nil || qr.Image.Bounds().Dx() < 100 {
		t.Error("no QR code drawn")
	}

	// A browser asks: the sheet shows it with Allow and Decline.
	st := s.ShareState()
	st.Requests = []backend.ShareRequest{{ID: "r1", Agent: "Chrome · Android", Addr: "10.0.0.9"}}
	test.AssertNotificationSent(t, fyne.NewNotification("A browser asks for your files", "Allow or decline it in Lempar's Share via link window."), func() {
		s.SetShare(st)
	})
	texts = strings.Join(overlayTexts(g), "\n")
	if !strings.Contains(texts, "Chrome · Android") || !strings.Contains(texts, "at 10.0.0.9 · asks to see the files") {
		t.Fatalf("waiting browser not shown:\n%s", texts)
	}
	test.Tap(topDialogButton(t, g, "Allow"))
	if got := s.ShareAnswers(); len(got) != 1 || !got["r1"] {
		t.Fatalf("answers %v, want r1 allowed", got)
	}
	if texts = strings.Join(overlayTexts(g), "\n"); !strings.Contains(texts, "allowed · 0 downloads") {
		t.Fatalf("allowed browser not shown:\n%s", texts)
	}
	test.Tap(topDialogButton(t, g, "Stop sharing"))
	if s.ShareStops() != 1 || g.win.Canvas().Overlays().Top() != nil {
		t.Fatalf("Stop sharing: %d stops, sheet still open %v", s.ShareStops(), g.win.Canvas().Overlays().Top() != nil)
	}
}

// A share that ends by itself (LocalSend turned off) closes the sheet.
func TestShareSheetClosesWhenShareEnds(t *testing.T) {
	g, s := openSharingGUI(t)
	s.SetShare(backend.ShareInfo{URLs: []string{"https://10.0.0.5:53317/"}, Files: 1})
	g.shareLink([]string{"/tmp/a.txt"})
	if g.win.Canvas().Overlays().Top() == nil {
		t.Fatal("no share sheet")
	}
	s.SetShare(backend.ShareInfo{})
	if g.win.Canvas().Overlays().Top() != nil {
		t.Fatal("the sheet stays open after the share ended")
	}
}

func findShareQR(g *GUI) *canvas.Image {
	top := g.win.Canvas().Overlays().Top()
	for _, o := range test.LaidOutObjects(top) {
		if img, ok := o.(*canvas.Image); ok && img.ScaleMode == canvas.ImageScalePixels {
			return img
		}
	}
	return nil
}
