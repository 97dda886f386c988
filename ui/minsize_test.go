package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lempar/lempar/ui/uitest"
)

// maxMinWidth is the widest the window may insist on, in either language:
// it must fit beside another window on a 1440 px screen, and on a 768 px
// wide tablet-sized display.
const maxMinWidth = 720

// TestMinimumSizeBothLanguages opens every screen in English and
// Indonesian with the demo's devices and transfers (a waiting row with its
// code among them) and checks the window's minimum width, then shrinks the
// window to its minimum and checks the device list still shows rows whole.
func TestMinimumSizeBothLanguages(t *testing.T) {
	for _, l := range []Language{LangEnglish, LangIndonesian} {
		t.Run(string(l), func(t *testing.T) {
			f := uitest.NewDemoFake(testNow)
			s := f.Settings()
			s.Language = l
			_ = f.SaveSettings(s)
			g, _ := openTestGUI(t, f)
			for _, tr := range append(uitest.DemoTransfers(testNow), uitest.DemoWaiting(testNow)) {
				f.Emit(TransferUpdated{Transfer: tr})
			}
			drain(g)
			for _, sc := range []screen{screenHistory, screenKnown, screenSettings, screenMain} {
				g.show(sc)
				if w := g.win.Content().MinSize().Width; w > maxMinWidth {
					t.Errorf("screen %d needs %.0f px, more than %d", sc, w, maxMinWidth)
				}
			}
			min := g.win.Content().MinSize()
			g.win.Resize(min)
			rows := g.w.peerRows
			if len(rows) == 0 {
				t.Fatal("no device rows")
			}
			for _, r := range rows {
				if r.Size().Width < r.MinSize().Width {
					t.Errorf("row %q is %.0f px wide, needs %.0f", r.peer.Name, r.Size().Width, r.MinSize().Width)
				}
			}
			if h, need := g.w.peerScroll.Size().Height, 2*rows[0].MinSize().Height; h < need {
				t.Errorf("at %v the device list is %.0f px high: fewer than two rows (%.0f px) show", min, h, need)
			}
			g.w.transferList.Refresh()
			for _, o := range test.LaidOutObjects(g.w.transferList) {
				if r, ok := o.(*transferRow); ok && r.Visible() && r.Size().Width < r.MinSize().Width {
					t.Errorf("transfer %q is %.0f px wide, needs %.0f", r.t.ID, r.Size().Width, r.MinSize().Width)
				}
			}
			t.Logf("minimum %v", min)
		})
	}
}

var _ = fyne.NewSize

// At the minimum width the waiting row's code help wraps; the row grows
// with it instead of drawing the next line over it.
func TestWaitingRowFitsWhenNarrow(t *testing.T) {
	g, f, _ := newTestGUI(t, LangIndonesian)
	f.Emit(TransferUpdated{Transfer: uitest.DemoWaiting(testNow)})
	drain(g)
	g.win.Resize(g.win.Content().MinSize())
	r := renderedRow(t, g, 0)
	if r.Size().Height < r.MinSize().Height {
		t.Errorf("waiting row is %.0f px high at %.0f px wide, needs %.0f", r.Size().Height, r.Size().Width, r.MinSize().Height)
	}
}
