package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lempar/lempar/ui/uitest"
)

// Tests of the window at a person's pace: the offer's countdown, the code
// on the sender's row, labels that say who did what, and the keyboard.

// press delivers a key as the desktop driver does: to the focused widget,
// else to the window's canvas.
func press(g *GUI, k fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: k}
	if f := g.win.Canvas().Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	g.win.Canvas().OnTypedKey()(ev)
}

func TestOfferCountdownTicks(t *testing.T) {
	g, f, c := newTestGUI(t, LangEnglish)
	f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)})
	d := g.offers.current
	if got := d.countdown.String(); got != "Answer within 2:00" {
		t.Fatalf("countdown = %q", got)
	}
	c.Advance(time.Second)
	if got := d.countdown.String(); got != "Answer within 1:59" {
		t.Fatalf("after 1 s the countdown reads %q, want 1:59", got)
	}
	for range 60 {
		c.Advance(time.Second)
	}
	if got := d.countdown.String(); got != "Answer within 0:59" {
		t.Fatalf("after 61 s the countdown reads %q, want 0:59", got)
	}
	// Answered: the dialog closes and nothing ticks on.
	test.Tap(d.decline)
	before := len(c.timers)
	c.Advance(time.Second)
	if len(c.timers) >= before && before > 0 {
		t.Errorf("the countdown still ticks after the dialog closed (%d timers)", len(c.timers))
	}
}

func TestOfferWithdrawnSaysSo(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)})
	f.Emit(OfferClosed{ID: "offer-1", Reason: OfferWithdrawn})
	if !contains(overlayTexts(g), "Sari-PC cancelled the offer.") {
		t.Fatalf("overlay shows %q", overlayTexts(g))
	}
	press(g, fyne.KeyReturn) // Enter closes the notice
	if g.win.Canvas().Overlays().Top() != nil {
		t.Error("Enter did not close the notice")
	}
}

func TestSenderRowShowsCode(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	tr := TransferInfo{ID: "s1", Direction: Outgoing, PeerID: "p1", PeerName: "Sari-PC", Name: "report.pdf", Count: 1,
		Kind: KindFile, Total: 1 << 20, State: Waiting, Started: testNow}
	f.Emit(TransferUpdated{Transfer: tr})
	drain(g)
	r := renderedRow(t, g, 0)
	if r.codeBox.Visible() {
		t.Error("a code box is shown before the code is known")
	}
	tr.Code = "482913"
	test.AssertNotificationSent(t, fyne.NewNotification("Waiting for Sari-PC", "Code 482 913: check that Sari-PC shows the same code."), func() {
		f.Emit(TransferUpdated{Transfer: tr})
		drain(g)
	})
	r = renderedRow(t, g, 0)
	if !r.codeBox.Visible() || r.code.Text != "482 913" || r.code.SizeName == "" || !r.code.TextStyle.Monospace {
		t.Fatalf("code box: shown=%v text=%q", r.codeBox.Visible(), r.code.Text)
	}
	if got := r.codeHelp.String(); got != "Check that Sari-PC shows the same code." {
		t.Errorf("code help = %q", got)
	}
	if r.Size().Height < r.MinSize().Height {
		t.Errorf("row is %v high, needs %v: the code is cut off", r.Size().Height, r.MinSize().Height)
	}
	// Accepted: the code goes, the progress comes.
	tr.State, tr.Done = Sending, 1000
	f.Emit(TransferUpdated{Transfer: tr})
	drain(g)
	if r = renderedRow(t, g, 0); r.codeBox.Visible() {
		t.Error("the code is still shown while sending")
	}

	// A LocalSend device shows no code: say so instead of asking to compare.
	ls := TransferInfo{ID: "s2", Direction: Outgoing, PeerID: "localsend:ab", PeerName: "Ayu's phone", Name: "a.jpg", Count: 1,
		Kind: KindFile, State: Waiting, LocalSend: true, Started: testNow}
	f.Emit(TransferUpdated{Transfer: ls})
	drain(g)
	r = renderedRow(t, g, 0)
	if !r.codeBox.Visible() || r.code.Visible() || !strings.Contains(r.codeHelp.String(), "can't be checked by code") {
		t.Errorf("LocalSend row: box=%v code=%v help=%q", r.codeBox.Visible(), r.code.Visible(), r.codeHelp.String())
	}
}

func TestFinalRowsSayWho(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	cases := []struct {
		t          TransferInfo
		state, res string
	}{
		{TransferInfo{State: Declined, ErrCode: "declined", Err: "Sari-PC declined the transfer."}, "Declined by Sari-PC", "Sari-PC declined the transfer."},
		{TransferInfo{State: Declined, ErrCode: "expired", Err: "Sari-PC didn't answer within 2 minutes, so the offer expired."}, "No answer", "Sari-PC didn't answer within 2 minutes, so the offer expired."},
		{TransferInfo{State: Cancelled, ErrCode: "peer-cancelled", Err: "Sari-PC cancelled the transfer."}, "Cancelled by Sari-PC", "Sari-PC cancelled the transfer."},
		{TransferInfo{State: Cancelled, ErrCode: "cancelled", Err: "The transfer was cancelled."}, "Cancelled by you", ""},
	}
	for i, c := range cases {
		tr := c.t
		tr.ID, tr.Direction, tr.PeerName, tr.Name, tr.Count = "f"+string(rune('a'+i)), Outgoing, "Sari-PC", "report.pdf", 1
		f.Emit(TransferUpdated{Transfer: tr})
		drain(g)
		r := renderedRow(t, g, 0)
		if r.state.Text != c.state || r.result.Text != c.res {
			t.Errorf("%s/%s: row says %q, %q; want %q, %q", tr.State, tr.ErrCode, r.state.Text, r.result.Text, c.state, c.res)
		}
	}
}

func TestReceivedTextsQueue(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	for i, text := range []string{"first", "second", "third"} {
		f.Emit(TransferUpdated{Transfer: TransferInfo{ID: "x" + text, Direction: Incoming, PeerName: "Sari-PC", Kind: KindText, Count: 1,
			Name: text, Text: text, State: Done, Started: testNow.Add(time.Duration(i) * time.Second)}})
	}
	drain(g)
	if n := len(g.win.Canvas().Overlays().List()); n != 1 {
		t.Fatalf("%d popups open for three texts, want one at a time", n)
	}
	for _, want := range []string{"first", "second", "third"} {
		if !contains(overlayTexts(g), want) {
			t.Fatalf("showing %q, want %q", overlayTexts(g), want)
		}
		press(g, fyne.KeyEscape)
	}
	if g.win.Canvas().Overlays().Top() != nil {
		t.Error("a text is still shown after all three were closed")
	}
}

func TestOfferKeyboard(t *testing.T) {
	t.Run("unknown device: Enter declines", func(t *testing.T) {
		g, f, _ := newTestGUI(t, LangEnglish)
		o := uitest.DemoOffer(testNow)
		o.Known = false
		f.Emit(OfferReceived{Offer: o})
		d := g.offers.current
		if d.accept.Importance == widget.HighImportance || g.win.Canvas().Focused() != d.decline {
			t.Fatal("for a new device Accept must not be the highlighted default")
		}
		press(g, fyne.KeyReturn)
		if a, ok := f.Answers()["offer-1"]; !ok || a.Accept {
			t.Fatalf("Enter on a new device's offer gave %+v (answered %v), want decline", a, ok)
		}
	})
	t.Run("unknown device: Tab to Accept, Enter", func(t *testing.T) {
		g, f, _ := newTestGUI(t, LangEnglish)
		o := uitest.DemoOffer(testNow)
		o.Known = false
		f.Emit(OfferReceived{Offer: o})
		d := g.offers.current
		c := g.win.Canvas()
		for i := 0; i < 10 && c.Focused() != d.accept; i++ {
			c.FocusNext()
		}
		if c.Focused() != d.accept {
			t.Fatal("Tab never reaches Accept")
		}
		press(g, fyne.KeyReturn)
		if a := f.Answers()["offer-1"]; !a.Accept {
			t.Fatalf("answer %+v, want accept", a)
		}
	})
	t.Run("Tab reaches Change…", func(t *testing.T) {
		g, f, _ := newTestGUI(t, LangEnglish)
		f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)})
		d := g.offers.current
		c := g.win.Canvas()
		for i := 0; i < 10 && c.Focused() != d.change; i++ {
			c.FocusNext()
		}
		if c.Focused() != d.change {
			t.Fatal("Tab never reaches Change…")
		}
		press(g, fyne.KeyReturn)
		if len(c.Overlays().List()) != 2 {
			t.Fatal("Enter on Change… did not open the folder chooser")
		}
		c.Unfocus()
		press(g, fyne.KeyEscape) // closes the chooser, not the offer
		if g.offers.current != d || len(c.Overlays().List()) != 1 {
			t.Fatalf("Esc in the chooser: offer open=%v, overlays=%d", g.offers.current == d, len(c.Overlays().List()))
		}
	})
	t.Run("known device: Enter accepts, Esc declines", func(t *testing.T) {
		g, f, _ := newTestGUI(t, LangEnglish)
		f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)})
		o2 := uitest.DemoOffer(testNow)
		o2.ID = "offer-2"
		f.Emit(OfferReceived{Offer: o2})
		press(g, fyne.KeyReturn)
		press(g, fyne.KeyEscape)
		if a := f.Answers()["offer-1"]; !a.Accept {
			t.Errorf("Enter gave %+v, want accept", a)
		}
		if a, ok := f.Answers()["offer-2"]; !ok || a.Accept {
			t.Errorf("Esc gave %+v (answered %v), want decline", a, ok)
		}
	})
}

func TestSendTextKeyboard(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(PeerSeen{Peer: PeerInfo{ID: "p1", Name: "Sari-PC"}})
	g.SelectPeers("p1")
	g.sendTextDialog()
	c := g.win.Canvas()
	e, ok := c.Focused().(*keyEntry)
	if !ok {
		t.Fatal("the text field has no focus")
	}
	test.Type(e, "hello")
	press(g, fyne.KeyReturn) // a new line, not a send
	test.Type(e, "there")
	if len(f.Sent()) != 0 || e.Text != "hello\nthere" {
		t.Fatalf("Enter sent (%v) or lost the line break (%q)", f.Sent(), e.Text)
	}
	if e.AcceptsTab() {
		t.Error("Tab would type a tab instead of leaving the field")
	}
	e.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierControl})
	if s := f.Sent(); len(s) != 1 || s[0].Text != "hello\nthere" {
		t.Fatalf("Ctrl+Enter sent %+v", s)
	}
	// Esc cancels, from the field too.
	g.sendTextDialog()
	test.Type(c.Focused().(*keyEntry), "never mind")
	press(g, fyne.KeyEscape)
	if c.Overlays().Top() != nil || len(f.Sent()) != 1 {
		t.Errorf("Esc: dialog open=%v, sends=%d", c.Overlays().Top() != nil, len(f.Sent()))
	}
}

func TestAddByAddressKeyboard(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	g.addByAddressDialog()
	c := g.win.Canvas()
	press(g, fyne.KeyEscape)
	if c.Overlays().Top() != nil {
		t.Fatal("Esc left the dialog open")
	}
	g.addByAddressDialog()
	test.Type(c.Focused().(*keyEntry), "192.168.1.9:47110")
	press(g, fyne.KeyReturn)
	if len(g.peers) != 1 {
		t.Fatalf("Enter did not add the device; peers %v, fake %v", g.peers, f.Sent())
	}
}

// drain runs the throttled redraw at once.
func drain(g *GUI) { g.throttle.fire() }

// renderedRow lays the transfer list out and returns row i as drawn.
func renderedRow(t *testing.T, g *GUI, i int) *transferRow {
	t.Helper()
	g.w.transferList.Refresh()
	for _, o := range test.LaidOutObjects(g.w.transferList) {
		if r, ok := o.(*transferRow); ok && r.Visible() && r.t.ID == g.transfers[i].ID {
			return r
		}
	}
	t.Fatalf("row %d is not drawn", i)
	return nil
}
