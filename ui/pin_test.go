package ui

import (
	"reflect"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lempar/lempar/ui/uitest"
)

func waitingSend(id string) TransferInfo {
	return TransferInfo{ID: id, Direction: Outgoing, PeerID: "localsend-ayu", PeerName: "Ayu's phone", Name: "a.txt", Count: 1, Kind: KindFile, Total: 10, State: Waiting, Started: testNow}
}

func TestPINDialogSendsTypedPIN(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(TransferUpdated{Transfer: waitingSend("t1")})
	f.Emit(PINRequested{Transfer: "t1", Peer: "Ayu's phone"})
	d := g.pins["t1"]
	if d == nil {
		t.Fatal("no PIN dialog")
	}
	if got := rowFor(t, g, "t1").state.Text; got != "Waiting for PIN" {
		t.Errorf("row says %q while the PIN is asked for", got)
	}
	texts := overlayTexts(g)
	for _, want := range []string{"PIN for Ayu's phone", "Ayu's phone asks for a PIN before receiving. Ask the person there for the PIN shown in their LocalSend settings."} {
		if !contains(texts, want) {
			t.Errorf("dialog lacks %q; shows %q", want, texts)
		}
	}
	if d.wrong.Text != "" {
		t.Error("a first request says the PIN was wrong")
	}
	if !d.entry.Password {
		t.Error("the PIN is typed in the clear")
	}
	send := topDialogButton(t, g, "Send")
	if !send.Disabled() {
		t.Error("Send is enabled with no PIN typed")
	}
	d.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(f.PINAnswers()) != 0 {
		t.Fatal("Enter in an empty field answered")
	}
	if g.win.Canvas().Focused() != d.entry {
		t.Error("the PIN field does not have the focus")
	}
	test.Type(d.entry, "48a1")
	if send.Disabled() {
		t.Error("Send stays disabled with a PIN typed")
	}
	d.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter sends
	if got, want := f.PINAnswers(), []uitest.PINAnswer{{Transfer: "t1", PIN: "48a1", OK: true}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("answers %+v, want %+v", got, want)
	}
	if g.win.Canvas().Overlays().Top() != nil || len(g.pins) != 0 {
		t.Fatal("the dialog stayed open after sending")
	}
	if got := rowFor(t, g, "t1").state.Text; got != "Waiting for answer" {
		t.Errorf("row says %q once the PIN is sent", got)
	}

	// The phone refused it: asked again, saying so.
	f.Emit(PINRequested{Transfer: "t1", Peer: "Ayu's phone", Wrong: true})
	if w := g.pins["t1"].wrong; w.Text != "That PIN was wrong — try again." {
		t.Fatalf("no wrong-PIN line; shows %q", overlayTexts(g))
	}
	if g.pins["t1"].entry.Text != "" {
		t.Error("the refused PIN is still in the field")
	}
	test.Tap(topDialogButton(t, g, "Cancel"))
	if got := f.PINAnswers(); len(got) != 2 || got[1] != (uitest.PINAnswer{Transfer: "t1", OK: false}) {
		t.Fatalf("Cancel answered %+v", got)
	}
	if g.win.Canvas().Overlays().Top() != nil {
		t.Fatal("the dialog stayed open after Cancel")
	}
}

// A transfer that ends while its PIN is asked for (cancelled from its row,
// or the phone went away) takes the dialog with it.
func TestPINDialogClosesWhenTransferEnds(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(TransferUpdated{Transfer: waitingSend("t2")})
	f.Emit(PINRequested{Transfer: "t2", Peer: "Ayu's phone"})
	f.Emit(PINRequested{Transfer: "t2", Peer: "Ayu's phone"}) // replayed: still one dialog
	if len(g.win.Canvas().Overlays().List()) != 1 {
		t.Fatalf("%d overlays for one request", len(g.win.Canvas().Overlays().List()))
	}
	end := waitingSend("t2")
	end.State = Cancelled
	f.Emit(TransferUpdated{Transfer: end})
	if g.win.Canvas().Overlays().Top() != nil || len(g.pins) != 0 {
		t.Fatal("the PIN dialog outlived its transfer")
	}
	if len(f.PINAnswers()) != 0 {
		t.Fatal("closing the dialog answered for the person")
	}
}

// A window opened while a PIN is pending asks for it, in Indonesian too.
func TestPINDialogReplayed(t *testing.T) {
	f := uitest.NewFake(SelfInfo{Name: "Budi's ThinkPad"}, Settings{DeviceName: "Budi's ThinkPad", Language: LangIndonesian})
	f.Emit(TransferUpdated{Transfer: waitingSend("t3")})
	f.Emit(PINRequested{Transfer: "t3", Peer: "Ayu's phone", Wrong: true})
	g, _ := openTestGUI(t, f)
	texts := overlayTexts(g)
	for _, want := range []string{"PIN untuk Ayu's phone", "PIN salah — coba lagi."} {
		if !contains(texts, want) {
			t.Errorf("dialog lacks %q; shows %q", want, texts)
		}
	}
	test.Type(g.pins["t3"].entry, "1234")
	test.Tap(topDialogButton(t, g, "Kirim"))
	if got := f.PINAnswers(); len(got) != 1 || got[0] != (uitest.PINAnswer{Transfer: "t3", PIN: "1234", OK: true}) {
		t.Fatalf("answers %+v", got)
	}
}
