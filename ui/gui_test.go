package ui

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lempar/lempar/ui/uitest"
)

func TestPeerEventShowsRow(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	if g.w.peerEmpty.Visible() != true || len(g.w.peerRows) != 0 {
		t.Fatal("a window with no devices should show the empty state")
	}
	p := PeerInfo{ID: "p1", Name: "Sari-PC", OS: "windows", Addr: "192.168.1.12:47110", Known: true, LastSeen: testNow.Add(-3 * time.Minute)}
	f.Emit(PeerSeen{Peer: p})
	if len(g.w.peerRows) != 1 {
		t.Fatalf("rows = %d, want 1", len(g.w.peerRows))
	}
	r := g.w.peerRows[0]
	if r.name.Text != "Sari-PC" || r.badge.Text != "known" {
		t.Errorf("row shows %q [%q], want Sari-PC [known]", r.name.Text, r.badge.Text)
	}
	// Listed means answering now: "online", however long ago it announced.
	if want := "192.168.1.12:47110 · Windows · online"; captionText(r.detail) != want {
		t.Errorf("detail = %q, want %q", captionText(r.detail), want)
	}
	if g.w.peerEmpty.Visible() {
		t.Error("empty state still shown with a device in the list")
	}

	p.Name = "Sari's PC"
	f.Emit(PeerSeen{Peer: p})
	if len(g.w.peerRows) != 1 || g.w.peerRows[0].name.Text != "Sari's PC" {
		t.Error("an update to a device should change its row, not add one")
	}
	f.Emit(PeerLost{ID: "p1"})
	if len(g.w.peerRows) != 0 || !g.w.peerEmpty.Visible() {
		t.Error("a lost device should leave the list")
	}
}

func fileURIs(paths ...string) []fyne.URI {
	var out []fyne.URI
	for _, p := range paths {
		out = append(out, storage.NewFileURI(p))
	}
	return out
}

func TestDropSendsToSelectedPeer(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	for _, p := range uitest.DemoPeers(testNow) {
		f.Emit(PeerSeen{Peer: p})
	}
	// Rows are sorted by name: Ayu's phone, Sari-PC, lab-03.
	sari := g.w.peerRows[1]
	if sari.peer.Name != "Sari-PC" {
		t.Fatalf("row 1 is %q", sari.peer.Name)
	}
	test.Tap(sari) // the whole row toggles
	if got := g.selectedIDs(); !reflect.DeepEqual(got, []string{sari.peer.ID}) {
		t.Fatalf("selected = %v after ticking Sari-PC", got)
	}

	// A drop on the transfers side goes to the selection.
	away := fyne.NewPos(g.win.Canvas().Size().Width-40, 300)
	g.onDropped(away, append(fileURIs("/tmp/a.txt", "/tmp/photos"), mustParseURI(t, "https://example.com/x")))
	want := []uitest.SendCall{{PeerIDs: []string{sari.peer.ID}, Paths: []string{"/tmp/a.txt", "/tmp/photos"}}}
	if got := f.Sent(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sent %+v, want %+v", got, want)
	}

	// A drop over another row goes to that device only.
	lab := g.w.peerRows[2]
	pos := g.app.Driver().AbsolutePositionForObject(lab).Add(fyne.NewPos(lab.Size().Width/2, lab.Size().Height/2))
	g.onDropped(pos, fileURIs("/tmp/b.bin"))
	got := f.Sent()
	if len(got) != 2 || !reflect.DeepEqual(got[1].PeerIDs, []string{lab.peer.ID}) {
		t.Fatalf("drop over lab-03 sent %+v", got)
	}
}

func TestDropWithoutSelectionAsks(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	for _, p := range uitest.DemoPeers(testNow) {
		f.Emit(PeerSeen{Peer: p})
	}
	g.onDropped(fyne.NewPos(900, 300), fileURIs("/tmp/a.txt"))
	if len(f.Sent()) != 0 {
		t.Fatal("sent without asking although no device was selected")
	}
	if !contains(overlayTexts(g), "Send to:") {
		t.Fatalf("no chooser; overlay shows %q", overlayTexts(g))
	}
	send := topDialogButton(t, g, "Send")
	test.Tap(send) // nothing ticked: sends nothing
	if len(f.Sent()) != 0 || !send.Disabled() {
		t.Errorf("chooser sent (%v) or Send enabled (%v) with no device ticked", f.Sent(), !send.Disabled())
	}
}

func mustParseURI(t *testing.T, s string) fyne.URI {
	u, err := storage.ParseURI(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPlanDrop(t *testing.T) {
	view := rowBox{Pos: fyne.NewPos(0, 100), Size: fyne.NewSize(400, 200)}
	rows := []rowBox{
		{ID: "a", Pos: fyne.NewPos(0, 100), Size: fyne.NewSize(400, 50)},
		{ID: "b", Pos: fyne.NewPos(0, 150), Size: fyne.NewSize(400, 50)},
		{ID: "c", Pos: fyne.NewPos(0, 290), Size: fyne.NewSize(400, 50)}, // half scrolled out
	}
	cases := []struct {
		name     string
		pos      fyne.Position
		selected []string
		want     dropPlan
	}{
		{"over a row", fyne.NewPos(10, 160), []string{"a"}, dropPlan{Targets: []string{"b"}}},
		{"over the hidden part of a row", fyne.NewPos(10, 320), []string{"a"}, dropPlan{Targets: []string{"a"}}},
		{"elsewhere, with a selection", fyne.NewPos(600, 160), []string{"a", "c"}, dropPlan{Targets: []string{"a", "c"}}},
		{"elsewhere, nothing selected", fyne.NewPos(600, 160), nil, dropPlan{Ask: true}},
		{"between rows", fyne.NewPos(10, 250), nil, dropPlan{Ask: true}},
	}
	for _, c := range cases {
		if got := planDrop(c.pos, view, rows, c.selected); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestOfferAcceptAndDecline(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	o1 := uitest.DemoOffer(testNow)
	o2 := uitest.DemoOffer(testNow)
	o2.ID, o2.PeerName, o2.Known = "offer-2", "lab-03", false
	f.Emit(OfferReceived{Offer: o1})
	f.Emit(OfferReceived{Offer: o2})

	texts := overlayTexts(g)
	for _, want := range []string{"Sari-PC wants to send you 3 items (1.2 GB)", "482 913", "Known device", "1 more offers waiting"} {
		if !contains(texts, want) {
			t.Errorf("offer dialog lacks %q; shows %q", want, texts)
		}
	}
	tapCheck(g.offers.current.always)
	test.Tap(topDialogButton(t, g, "Accept"))

	if d := f.Answers()["offer-1"]; !reflect.DeepEqual(d, Decision{Accept: true, Always: true}) {
		t.Errorf("offer-1 answered %+v, want accept always", d)
	}
	// The queued offer comes next.
	if g.offers.current == nil || g.offers.current.offer.ID != "offer-2" {
		t.Fatal("the second offer was not shown after the first was answered")
	}
	if !contains(overlayTexts(g), "New device: you have not exchanged files with it before.") {
		t.Errorf("new device not flagged: %q", overlayTexts(g))
	}
	tapCheck(g.offers.current.always) // ticking "always" must not matter when declining
	test.Tap(topDialogButton(t, g, "Decline"))
	if d, ok := f.Answers()["offer-2"]; !ok || d.Accept || d.Always {
		t.Errorf("offer-2 answered %+v (answered=%v), want decline", d, ok)
	}
	if g.offers.current != nil || g.win.Canvas().Overlays().Top() != nil {
		t.Error("a dialog is still open after both offers were answered")
	}
}

func TestOfferSaveLocationChange(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)})
	d := g.offers.current
	d.dir = "/media/usb" // what the folder chooser's callback sets
	test.Tap(d.accept)
	if got := f.Answers()["offer-1"]; got.Dir != "/media/usb" || !got.Accept {
		t.Errorf("answer %+v, want accept into /media/usb", got)
	}
}

func TestOfferExpiryExplains(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)})
	f.Emit(OfferClosed{ID: "offer-1", Reason: OfferExpired})
	if g.offers.current != nil {
		t.Fatal("expired offer still current")
	}
	want := "You didn't answer the offer from Sari-PC within 2 minutes, so it expired. Ask Sari-PC to send it again."
	if !contains(overlayTexts(g), want) {
		t.Errorf("expiry message missing; overlay shows %q", overlayTexts(g))
	}
	if _, answered := f.Answers()["offer-1"]; answered {
		t.Error("an expired offer must not be answered")
	}
}

func TestProgressStreamThrottledAndFinal(t *testing.T) {
	g, f, c := newTestGUI(t, LangEnglish)
	tr := TransferInfo{ID: "t1", Direction: Outgoing, PeerName: "Sari-PC", Name: "report.pdf", Count: 1, Total: 1_000_000_000, State: Sending}
	applied := 0
	inner := g.throttle.apply
	g.throttle.apply = func(b []TransferInfo) { applied++; inner(b) }

	f.Emit(TransferUpdated{Transfer: tr}) // first sight: drawn at once
	if len(g.transfers) != 1 || applied != 1 {
		t.Fatalf("first update: %d rows, %d redraws", len(g.transfers), applied)
	}
	rowFor(t, g, "t1")
	for i := 1; i <= 50; i++ { // 50 updates within 50 ms
		tr.Done = int64(i) * 10_000_000
		tr.Rate, tr.ETA = 84_000_000, 6*time.Second
		f.Emit(TransferUpdated{Transfer: tr})
		c.Advance(time.Millisecond)
	}
	if applied != 1 {
		t.Errorf("%d redraws for 50 updates inside one interval, want 1", applied)
	}
	c.Advance(100 * time.Millisecond)
	if applied != 2 {
		t.Errorf("%d redraws after the interval passed, want 2", applied)
	}
	row := rowFor(t, g, "t1")
	if row.progress.Value != 0.5 || !strings.Contains(captionText(row.detail), "84.0 MB/s") || !strings.Contains(captionText(row.detail), "0:06 left") {
		t.Errorf("row shows %.2f, %q", row.progress.Value, captionText(row.detail))
	}
	if row.open.Visible() || !row.cancel.Visible() {
		t.Error("a running transfer should offer Cancel only")
	}

	tr.Done, tr.State = tr.Total, Done
	f.Emit(TransferUpdated{Transfer: tr}) // final: drawn at once, inside the interval
	row = rowFor(t, g, "t1")
	if row.state.Text != "Done" || row.progress.Visible() || row.cancel.Visible() {
		t.Errorf("final row: state %q, progress shown %v, cancel shown %v", row.state.Text, row.progress.Visible(), row.cancel.Visible())
	}
	c.Advance(time.Second)
	if rowFor(t, g, "t1").state.Text != "Done" {
		t.Error("a late timer redrew over the final state")
	}
}

// rowFor draws the list and returns the row showing transfer id.
func rowFor(t *testing.T, g *GUI, id string) *transferRow {
	t.Helper()
	g.w.transferList.Refresh()
	for _, o := range test.LaidOutObjects(g.w.transferList) {
		if r, ok := o.(*transferRow); ok && r.t.ID == id && r.Visible() {
			return r
		}
	}
	t.Fatalf("no row for %s", id)
	return nil
}

func TestTransferNewestFirstAndButtons(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	for _, tr := range uitest.DemoTransfers(testNow) {
		f.Emit(TransferUpdated{Transfer: tr})
	}
	if g.transfers[0].ID != "t1" {
		t.Fatalf("newest transfer not on top: %v", g.transfers[0].ID)
	}
	done := rowFor(t, g, "t0")
	if !done.reveal.Visible() || done.open.Visible() || done.result.Text != "Saved to /home/budi/Downloads/Lempar" {
		t.Errorf("finished 12-item row: reveal %v, open %v, %q", done.reveal.Visible(), done.open.Visible(), done.result.Text)
	}
	test.Tap(rowFor(t, g, "t1").cancel)
	if got := f.Cancelled(); !reflect.DeepEqual(got, []string{"t1"}) {
		t.Errorf("cancelled %v", got)
	}
	failed := TransferInfo{ID: "t2", Direction: Outgoing, PeerName: "lab-03", Name: "x.iso", Count: 1, State: Failed, Err: "The connection to lab-03 was lost."}
	f.Emit(TransferUpdated{Transfer: failed})
	r := rowFor(t, g, "t2")
	if !r.retry.Visible() || r.result.Text != failed.Err {
		t.Errorf("failed row: retry %v, %q", r.retry.Visible(), r.result.Text)
	}
	test.Tap(r.retry)
	if got := f.Retried(); !reflect.DeepEqual(got, []string{"t2"}) {
		t.Errorf("retried %v", got)
	}
}

func TestReceivedTextCopies(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	tr := TransferInfo{ID: "x", Direction: Incoming, PeerName: "Sari-PC", Kind: KindText, Count: 1, Text: "meet at 3pm", State: Sending}
	f.Emit(TransferUpdated{Transfer: tr})
	tr.State = Done
	f.Emit(TransferUpdated{Transfer: tr})
	test.Tap(topDialogButton(t, g, "Copy"))
	if got := g.app.Clipboard().Content(); got != "meet at 3pm" {
		t.Errorf("clipboard = %q", got)
	}
}

func TestSettingsSaveImmediately(t *testing.T) {
	g, f, c := newTestGUI(t, LangEnglish)
	g.show(screenSettings)
	sw := g.w.settingsForm

	tapCheck(sw.auto)
	if s := f.Saved(); len(s) != 1 || !s[0].AutoAcceptKnown {
		t.Fatalf("auto-accept not saved: %+v", s)
	}
	sw.vis.SetSelected("Hidden")
	if s := last(f.Saved()); s.Visibility != Hidden || !s.AutoAcceptKnown {
		t.Errorf("visibility not saved (or earlier change lost): %+v", s)
	}

	sw.name.SetText("")
	test.Type(sw.name, "Budi laptop")
	if last(f.Saved()).DeviceName == "Budi laptop" {
		t.Error("saved on every keystroke; should wait for a pause")
	}
	c.Advance(time.Second)
	if got := last(f.Saved()).DeviceName; got != "Budi laptop" {
		t.Errorf("name after a pause = %q", got)
	}

	n := len(f.Saved())
	sw.port.SetText("80") // below 1024: refused, not saved
	sw.port.OnSubmitted(sw.port.Text)
	c.Advance(time.Second)
	if len(f.Saved()) != n {
		t.Errorf("invalid port was saved: %+v", last(f.Saved()))
	}
	sw.port.SetText("50000")
	sw.port.OnSubmitted(sw.port.Text)
	if last(f.Saved()).Port != 50000 {
		t.Errorf("port not saved: %+v", last(f.Saved()))
	}
	if f.Settings() != last(f.Saved()) || g.settings != f.Settings() {
		t.Error("UI and backend disagree on the settings")
	}
}

func last(s []Settings) Settings {
	if len(s) == 0 {
		return Settings{}
	}
	return s[len(s)-1]
}

func TestLanguageSwitchChangesStrings(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	g.show(screenSettings)
	g.w.settingsForm.language.SetSelected("Bahasa Indonesia")
	if last(f.Saved()).Language != LangIndonesian {
		t.Fatalf("language not saved: %+v", f.Saved())
	}
	if g.screen != screenSettings {
		t.Error("switching language left the settings screen")
	}
	if !hasLabel(g.win.Content(), "Pengaturan") {
		t.Error("settings title not in Indonesian after switching")
	}
	g.show(screenMain)
	for _, want := range []string{"Di sekitar", "Transfer", "Belum ada perangkat"} {
		if !hasLabel(g.win.Content(), want) {
			t.Errorf("main screen lacks %q after switching to Indonesian", want)
		}
	}
	g.show(screenSettings)
	g.w.settingsForm.language.SetSelected("English")
	g.show(screenMain)
	if !hasLabel(g.win.Content(), "Nearby") {
		t.Error("switching back to English did not change the strings back")
	}
}

func hasLabel(o fyne.CanvasObject, text string) bool {
	for _, x := range test.LaidOutObjects(o) {
		switch w := x.(type) {
		case *widget.Label:
			if w.Visible() && w.Text == text {
				return true
			}
		case *widget.Button:
			if w.Visible() && w.Text == text {
				return true
			}
		}
	}
	return false
}

func TestKnownDevicesEdit(t *testing.T) {
	f := uitest.NewDemoFake(testNow)
	g, _ := openTestGUI(t, f)
	g.show(screenKnown)
	var rows []*knownRow
	for _, o := range test.LaidOutObjects(g.w.knownList) {
		if r, ok := o.(*knownRow); ok && r.Visible() {
			rows = append(rows, r)
		}
	}
	if len(rows) != 2 || rows[1].name.Text != "Meeting room Mac" {
		t.Fatalf("known rows %d", len(rows))
	}
	tapCheck(rows[1].auto)
	if !f.KnownDevices()[1].AutoAccept {
		t.Error("auto-accept toggle did not reach the backend")
	}
	test.Tap(rows[0].forget)
	test.Tap(topDialogButton(t, g, "Forget"))
	if k := f.KnownDevices(); len(k) != 1 || k[0].Name != "Meeting room Mac" {
		t.Errorf("after forgetting Sari-PC: %+v", k)
	}
}

// tapCheck taps a check box on its box, the only part that reacts.
func tapCheck(c *widget.Check) {
	test.TapAt(c, fyne.NewPos(10, c.Size().Height/2))
}

func TestSendFilesBasket(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	for _, p := range uitest.DemoPeers(testNow) {
		f.Emit(PeerSeen{Peer: p})
	}
	g.SelectPeers("localsend-ayu")
	g.sendSheet([]string{"/tmp/a.pdf", "/tmp/b/c.jpg"})
	texts := overlayTexts(g)
	if !contains(texts, "a.pdf") || !contains(texts, "c.jpg") {
		t.Fatalf("basket shows %q", texts)
	}
	test.Tap(topDialogButton(t, g, "Send"))
	want := []uitest.SendCall{{PeerIDs: []string{"localsend-ayu"}, Paths: []string{"/tmp/a.pdf", "/tmp/b/c.jpg"}}}
	if got := f.Sent(); !reflect.DeepEqual(got, want) {
		t.Errorf("sent %+v, want %+v", got, want)
	}
}

func TestNotifiesWhenFileArrives(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	tr := TransferInfo{ID: "r", Direction: Incoming, PeerName: "Sari-PC", Name: "report.pdf", Count: 1, Total: 10, State: Sending}
	f.Emit(TransferUpdated{Transfer: tr})
	tr.State, tr.Done, tr.SavedTo = Done, 10, "/home/budi/Downloads/Lempar/report.pdf"
	test.AssertNotificationSent(t, fyne.NewNotification("Received", "report.pdf from Sari-PC"), func() {
		f.Emit(TransferUpdated{Transfer: tr})
	})
	r := rowFor(t, g, "r")
	if !r.open.Visible() || !r.reveal.Visible() {
		t.Error("a received file should offer Open and Show in folder")
	}
}

func TestVisibilityFromTopBarAndBackend(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	g.w.visibility.SetSelected("Visible for 10 minutes")
	if last(f.Saved()).Visibility != Visible10Min {
		t.Fatalf("top bar visibility not saved: %+v", f.Saved())
	}
	// Ten minutes later the backend turns visibility off by itself.
	self := f.Self()
	self.Visibility = Hidden
	f.Emit(SelfChanged{Self: self})
	if g.w.visibility.Selected != "Hidden" {
		t.Errorf("top bar shows %q after the backend hid this device", g.w.visibility.Selected)
	}
	if n := len(f.Saved()); n != 1 {
		t.Errorf("showing the backend's change saved settings again (%d saves)", n)
	}
}

func TestRetryingTransferSaysSo(t *testing.T) {
	g, f, _ := newTestGUI(t, LangIndonesian)
	tr := TransferInfo{ID: "t1", Direction: Outgoing, PeerName: "Sari-PC", Name: "film.mkv", Count: 1, Done: 400, Total: 1000, State: Retrying}
	f.Emit(TransferUpdated{Transfer: tr})
	row := rowFor(t, g, "t1")
	if row.state.Text != "Menunggu Sari-PC… (mencoba lagi)" || !row.cancel.Visible() {
		t.Fatalf("retrying row: state %q, cancel shown %v", row.state.Text, row.cancel.Visible())
	}
}

func TestReachabilityNoticeShown(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	if g.w.notice.Visible() {
		t.Fatal("no notice expected at start")
	}
	self := g.self
	self.Notice = "Other devices can't reach Lempar: allow port 53318 in the firewall."
	f.Emit(SelfChanged{Self: self})
	if !g.w.notice.Visible() || g.w.notice.Text != self.Notice {
		t.Fatalf("notice shown %v: %q", g.w.notice.Visible(), g.w.notice.Text)
	}
}

// A long save folder picked with Change… shows whole, wrapped: its end
// (the folder just picked) is on screen, nothing is cut with "…".
func TestOfferLongSaveFolderShowsItsEnd(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)})
	d := g.offers.current
	long := "/home/sari/Documents/Projects/2026/Quarterly-reports/Working-copies/Downloads/elsewhere"
	d.setDir(long)
	var lines []string
	for _, o := range test.LaidOutObjects(g.win.Canvas().Overlays().Top()) {
		if txt, ok := o.(*canvas.Text); ok && txt.Visible() && txt.Text != "" {
			lines = append(lines, txt.Text)
		}
	}
	joined := strings.Join(lines, "\n")
	if !strings.Contains(joined, "elsewhere") {
		t.Errorf("the picked folder is not on screen; lines:\n%s", joined)
	}
	if got := strings.Join(pathLines(lines, long), ""); got != long {
		t.Errorf("the save folder reads %q, want %q", got, long)
	}
	test.AssertRendersToMarkup(t, "offer_longdir_en.xml", g.win.Canvas())
	test.Tap(d.accept)
	if got := f.Answers()["offer-1"]; got.Dir != long || !got.Accept {
		t.Errorf("answer %+v, want accept into %s", got, long)
	}
}

// pathLines are the rendered lines that are pieces of path, in order.
func pathLines(lines []string, path string) []string {
	var out []string
	rest := path
	for _, l := range lines {
		if l != "" && strings.HasPrefix(rest, l) {
			out = append(out, l)
			rest = rest[len(l):]
		}
	}
	return out
}

// A received text of 1 MiB (LocalSend's limit) shows its start in the
// dialog, says so, and Copy copies all of it; a wrapped label of the whole
// would take the window minutes to lay out.
func TestReceivedLongTextShowsItsStart(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	long := strings.Repeat("kata demi kata ", (1<<20)/15)
	tr := TransferInfo{ID: "x", Direction: Incoming, PeerName: "Sari-PC", Kind: KindText, Count: 1, Text: long, State: Sending}
	f.Emit(TransferUpdated{Transfer: tr})
	tr.State = Done
	f.Emit(TransferUpdated{Transfer: tr})
	shown, cut := dialogText(long)
	if !cut || utf8.RuneCountInString(shown) > maxDialogText+2 || !strings.HasPrefix(long, strings.TrimSuffix(shown, " …")) {
		t.Fatalf("shown %d characters, cut %v", utf8.RuneCountInString(shown), cut)
	}
	top := g.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog")
	}
	note := false
	for _, o := range test.LaidOutObjects(top) {
		if rt, ok := o.(*widget.RichText); ok && rt.String() == "Showing the start of a long text (1.0 MB). Copy copies all of it." {
			note = true
		}
	}
	if !hasLabel(top, shown) || !note {
		t.Fatal("the dialog doesn't show the start and say so")
	}
	test.Tap(topDialogButton(t, g, "Copy"))
	if got := g.app.Clipboard().Content(); got != long {
		t.Errorf("clipboard has %d bytes, want %d", len(got), len(long))
	}
	if s, cut := dialogText("meet at 3pm"); cut || s != "meet at 3pm" {
		t.Errorf("a short text became %q", s)
	}
}
