package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/lempar/lempar/ui/uitest"
)

// TestPreview renders every screen and dialog with the real theme into
// $LEMPAR_UI_PREVIEW, for a person to look at; cmd/lempar-shots takes the
// README's screenshots from a real window instead.
func TestPreview(t *testing.T) {
	dir := os.Getenv("LEMPAR_UI_PREVIEW")
	if dir == "" {
		t.Skip("set LEMPAR_UI_PREVIEW=<folder> to render previews of every screen")
	}
	for _, lang := range []Language{LangEnglish, LangIndonesian} {
		f := uitest.NewDemoFake(testNow)
		s := f.Settings()
		s.Language = lang
		_ = f.SaveSettings(s)
		g, _ := openTestGUI(t, f)
		test.ApplyTheme(t, theme.DefaultTheme())
		shot := func(name string) {
			img := g.win.Canvas().Capture()
			p := filepath.Join(dir, name+"-"+string(lang)+".png")
			out, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			if err := png.Encode(out, img); err != nil {
				t.Fatal(err)
			}
		}
		empty, _ := openTestGUI(t, uitest.NewFake(f.Self(), f.Settings()))
		test.ApplyTheme(t, theme.DefaultTheme())
		img := empty.win.Canvas().Capture()
		out, _ := os.Create(filepath.Join(dir, "empty-"+string(lang)+".png"))
		_ = png.Encode(out, img)
		out.Close()

		for _, tr := range uitest.DemoTransfers(testNow) {
			f.Emit(TransferUpdated{Transfer: tr})
		}
		g.show(screenSettings)
		shot("settings")
		g.show(screenHistory)
		shot("history")
		g.show(screenKnown)
		shot("known")
		g.show(screenMain)
		g.addByAddressDialog()
		shot("add")
		g.win.Canvas().Overlays().Top().Hide()
		g.sendTextDialog()
		shot("sendtext")
		g.win.Canvas().Overlays().Top().Hide()
		g.sendSheet([]string{"/home/budi/Documents/Laporan Q3.pdf", "/home/budi/Pictures/rapat.jpg"})
		shot("basket")
		g.win.Canvas().Overlays().Top().Hide()
		g.chooseFiles(false, t.TempDir(), func([]string) {})
		shot("choose")
		g.win.Canvas().Overlays().Top().Hide()
		f.Emit(TransferUpdated{Transfer: TransferInfo{ID: "tx", Direction: Incoming, PeerName: "Sari-PC", Kind: KindText, Count: 1, State: Done,
			Text: "Rapat dipindah ke ruang 3B jam 14.00. Link: https://example.com/meet/abc-defg-hij"}})
		shot("text")
		g.win.Canvas().Overlays().Top().Hide()
		f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)})
		f.Emit(OfferClosed{ID: "offer-1", Reason: OfferExpired})
		shot("expired")
	}
}
