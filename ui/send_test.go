package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lempar/lempar/ui/uitest"
)

// overlayChecks lists the check boxes of the top dialog by label.
func overlayChecks(g *GUI) map[string]*widget.Check {
	out := map[string]*widget.Check{}
	if top := g.win.Canvas().Overlays().Top(); top != nil {
		for _, o := range test.LaidOutObjects(top) {
			if c, ok := o.(*widget.Check); ok && c.Visible() && c.Text != "" {
				out[c.Text] = c
			}
		}
	}
	return out
}

// sariID is the demo's Sari-PC.
const sariID = "5a1d9e0f3c2b4a6d8e7f9a0b1c2d3e4f"

func emitDemoPeers(f *uitest.Fake) {
	for _, p := range uitest.DemoPeers(testNow) {
		f.Emit(PeerSeen{Peer: p})
	}
}

// Every send dialog says who will receive, and Send waits for a tick.
func TestSendWaitsForATickedDevice(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	emitDemoPeers(f)
	for name, open := range map[string]func(){
		"files": func() { g.sendSheet([]string{"/tmp/a.pdf", "/tmp/b.jpg"}) },
		"text":  g.sendTextDialog,
	} {
		open()
		if name == "text" {
			test.Type(g.win.Canvas().Focused().(*keyEntry), "hello")
		}
		texts := overlayTexts(g)
		checks := overlayChecks(g)
		if !contains(texts, "Send to:") || len(checks) != 3 {
			t.Fatalf("%s: the dialog does not say who receives: %q, %d devices", name, texts, len(checks))
		}
		send := topDialogButton(t, g, "Send")
		if !send.Disabled() {
			t.Errorf("%s: Send is enabled with no device ticked", name)
		}
		var sari *widget.Check
		for label, c := range checks {
			if strings.HasPrefix(label, "Sari-PC") {
				sari = c
			}
		}
		tapCheck(sari)
		if send.Disabled() {
			t.Fatalf("%s: Send still disabled with Sari-PC ticked", name)
		}
		test.Tap(send)
		sent := f.Sent()
		if last := sent[len(sent)-1]; !reflect.DeepEqual(last.PeerIDs, []string{sariID}) {
			t.Errorf("%s: sent to %v, want Sari-PC only", name, last.PeerIDs)
		}
		if len(g.sendTo) != 0 {
			t.Errorf("%s: a closed dialog still follows the nearby list", name)
		}
	}
	if len(g.selectedIDs()) != 0 {
		t.Error("ticking in a dialog changed the nearby list's selection")
	}
}

func TestSingleDeviceIsPreselected(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(PeerSeen{Peer: PeerInfo{ID: "p1", Name: "Sari-PC", Addr: "192.168.1.20:47110"}})
	g.sendSheet([]string{"/tmp/a.pdf"})
	c := overlayChecks(g)["Sari-PC (192.168.1.20:47110)"]
	if c == nil || !c.Checked {
		t.Fatalf("the only device is not ticked: %v", overlayChecks(g))
	}
	test.Tap(topDialogButton(t, g, "Send"))
	if s := f.Sent(); len(s) != 1 || !reflect.DeepEqual(s[0].PeerIDs, []string{"p1"}) {
		t.Fatalf("sent %+v", s)
	}
	// A device that appears while the dialog is open can be ticked there.
	g.sendTextDialog()
	f.Emit(PeerSeen{Peer: PeerInfo{ID: "p2", Name: "lab-03"}})
	if _, ok := overlayChecks(g)["lab-03"]; !ok {
		t.Errorf("a device that appeared is not offered: %v", overlayChecks(g))
	}
}

func TestNoDeviceNearbySays(t *testing.T) {
	g, _, _ := newTestGUI(t, LangIndonesian)
	g.sendSheet([]string{"/tmp/a.pdf"})
	if !contains(overlayTexts(g), "Belum ada perangkat di sekitar. Buka Lempar di komputer lain, atau tambahkan lewat alamat.") {
		t.Errorf("no word about the missing devices: %q", overlayTexts(g))
	}
	if !topDialogButton(t, g, "Kirim").Disabled() {
		t.Error("Kirim enabled with nobody to send to")
	}
}

func TestDropWhileDialogOpenIsNotSentBehindIt(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	emitDemoPeers(f)
	g.SelectPeers(sariID)
	c := g.win.Canvas()

	g.addByAddressDialog()
	top := c.Overlays().Top()
	g.onDropped(fyne.NewPos(900, 300), fileURIs("/tmp/a.txt"))
	if len(f.Sent()) != 0 || c.Overlays().Top() != top {
		t.Fatalf("a drop under a dialog sent %v or opened another dialog", f.Sent())
	}
	top.Hide()

	// The send sheet on top takes the dropped items in.
	g.sendSheet([]string{"/tmp/a.pdf"})
	g.onDropped(fyne.NewPos(900, 300), fileURIs("/tmp/b.bin"))
	if len(f.Sent()) != 0 || !contains(overlayTexts(g), "b.bin") {
		t.Fatalf("the drop did not join the sheet (sent %v, sheet %q)", f.Sent(), overlayTexts(g))
	}
	test.Tap(topDialogButton(t, g, "Send"))
	want := []uitest.SendCall{{PeerIDs: []string{sariID}, Paths: []string{"/tmp/a.pdf", "/tmp/b.bin"}}}
	if got := f.Sent(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sent %+v, want %+v", got, want)
	}

	// While the desktop's chooser is open, a drop waits for it too.
	g.picking = true
	g.onDropped(fyne.NewPos(900, 300), fileURIs("/tmp/c.bin"))
	if len(f.Sent()) != 1 || c.Overlays().Top() != nil {
		t.Fatal("a drop went through while the desktop's chooser was open")
	}
}

// The desktop's chooser (the portal) gives several files at once; without
// one, Lempar's own chooser opens.
func TestPickThroughDesktopChooserOrOurs(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(PeerSeen{Peer: PeerInfo{ID: "p1", Name: "Sari-PC"}})
	var asked []pickRequest
	g.opt.native = func(r pickRequest) ([]string, error) {
		asked = append(asked, r)
		return []string{"/home/budi/a+b.pdf", "/home/budi/c.jpg"}, nil
	}
	g.sendFilesDialog()
	if len(asked) != 1 || asked[0].folders || asked[0].title != "Choose files" {
		t.Fatalf("asked the desktop %+v", asked)
	}
	if texts := overlayTexts(g); !contains(texts, "a+b.pdf") || !contains(texts, "c.jpg") {
		t.Fatalf("the sheet shows %q", texts)
	}
	g.win.Canvas().Overlays().Top().Hide()

	g.opt.native = func(r pickRequest) ([]string, error) { return nil, errNoPortal }
	g.sendFolderDialog()
	if !contains(overlayTexts(g), "Choose folders") {
		t.Fatalf("no fallback chooser: %q", overlayTexts(g))
	}
	if !g.noPortal {
		t.Error("a missing portal would be asked again at every click")
	}
}

// Lempar's own chooser: a double-click on a folder opens it and ticks
// nothing; Send folder… offers nothing until a folder is ticked; several
// files are ticked in one go, across folders.
func TestOwnChooser(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(PeerSeen{Peer: PeerInfo{ID: "p1", Name: "Sari-PC"}})
	root := t.TempDir()
	for _, p := range []string{"photos/a.jpg", "photos/b.jpg", "photos/inner/c.jpg", "notes.txt", ".hidden"} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	index := func(c *chooser, name string) int {
		for i, e := range c.entries {
			if e.name == name {
				return i
			}
		}
		t.Fatalf("%q not listed in %s: %+v", name, c.dir, c.entries)
		return -1
	}

	var got []string
	c := g.chooseFiles(true, root, func(p []string) { got = p })
	if names := len(c.entries); names != 1 {
		t.Fatalf("folders mode lists %d entries, want photos only: %+v", names, c.entries)
	}
	if !c.choose.Disabled() {
		t.Fatal("Choose is enabled before a folder is ticked: it would send the folder it opened in")
	}
	c.doubleTapped(index(c, "photos"))
	if c.dir != filepath.Join(root, "photos") || len(c.ticked) != 0 || !c.choose.Disabled() {
		t.Fatalf("double-click: in %s with %v ticked", c.dir, c.ticked)
	}
	c.tapped(index(c, "inner"))
	test.Tap(c.choose)
	if want := []string{filepath.Join(root, "photos", "inner")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("chose %v, want %v", got, want)
	}

	got = nil
	c = g.chooseFiles(false, root, func(p []string) { got = p })
	if len(c.entries) != 2 || c.entries[0].name != "photos" {
		t.Fatalf("files mode lists %+v (folders first, hidden left out)", c.entries)
	}
	c.tapped(index(c, "notes.txt"))
	c.tapped(index(c, "photos")) // a folder opens
	if len(c.ticked) != 1 {
		t.Fatalf("opening a folder ticked it: %v", c.ticked)
	}
	c.tapped(index(c, "a.jpg"))
	c.doubleTapped(index(c, "inner"))
	if len(c.ticked) != 2 {
		t.Fatalf("double-click on a folder ticked something: %v", c.ticked)
	}
	c.list.Select(index(c, "c.jpg")) // Space on a focused row
	c.tapped(index(c, "c.jpg"))      // and a click takes the tick back
	if len(c.ticked) != 2 {
		t.Fatalf("keyboard tick and untick: %v", c.ticked)
	}
	press(g, fyne.KeyReturn)
	want := []string{filepath.Join(root, "notes.txt"), filepath.Join(root, "photos", "a.jpg")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("chose %v, want %v", got, want)
	}
}

// blockingAdd is a backend whose Add by address never answers by itself.
type blockingAdd struct {
	*uitest.Fake
	called chan context.Context
}

func (b *blockingAdd) AddByAddress(ctx context.Context, _ string) (PeerInfo, error) {
	b.called <- ctx
	<-ctx.Done()
	return PeerInfo{}, errors.New("dial tcp 192.168.1.9:47110: i/o timeout")
}

func TestAddByAddressGivesUpAndCancels(t *testing.T) {
	g, f, c := newTestGUI(t, LangEnglish)
	b := &blockingAdd{Fake: f, called: make(chan context.Context, 1)}
	g.b = b
	done := make(chan func(), 1)
	g.opt.background = func(work func() func()) { go func() { done <- work() }() }

	g.addByAddress("192.168.1.9:47110")
	ctx := <-b.called
	c.Advance(4 * time.Second)
	if ctx.Err() != nil {
		t.Fatal("gave up before 5 s")
	}
	c.Advance(time.Second)
	(<-done)()
	msg := "No device answered at 192.168.1.9:47110 within 5 seconds. Check the address shown in Settings on the other device, and that Lempar is open there."
	if texts := overlayTexts(g); !contains(texts, msg) {
		t.Fatalf("after 5 s the window says %q", texts)
	}
	g.win.Canvas().Overlays().Top().Hide()

	g.addByAddress("192.168.1.9:47110")
	ctx = <-b.called
	test.Tap(topDialogButton(t, g, "Cancel"))
	(<-done)()
	if ctx.Err() == nil || g.win.Canvas().Overlays().Top() != nil || len(g.peers) != 0 {
		t.Fatalf("Cancel: ctx %v, dialog open %v, peers %v", ctx.Err(), g.win.Canvas().Overlays().Top() != nil, g.peers)
	}
}

func TestWaitingRowHasNoEmptyBar(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(TransferUpdated{Transfer: uitest.DemoWaiting(testNow)})
	drain(g)
	r := renderedRow(t, g, 0)
	if r.progress.Visible() || r.line2.Visible() || !r.codeBox.Visible() {
		t.Errorf("waiting row: bar shown %v, code shown %v", r.progress.Visible(), r.codeBox.Visible())
	}
}

func TestPeerRowHighlightsUnderPointer(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	emitDemoPeers(f)
	r := g.w.peerRows[1]
	test.MoveMouse(g.win.Canvas(), g.app.Driver().AbsolutePositionForObject(r).AddXY(r.Size().Width/2, r.Size().Height/2))
	if !r.hovered {
		t.Fatal("the row under the pointer is not highlighted")
	}
	test.MoveMouse(g.win.Canvas(), fyne.NewPos(900, 500))
	if r.hovered {
		t.Error("the highlight stayed after the pointer left")
	}
}
