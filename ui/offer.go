package ui

import (
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// offerQueue holds incoming offers; one is shown at a time, in arrival order.
type offerQueue struct {
	waiting []OfferInfo
	current *offerDialog
}

func (q *offerQueue) push(o OfferInfo) {
	for _, w := range q.waiting {
		if w.ID == o.ID {
			return // a replayed offer is already queued
		}
	}
	if q.current != nil && q.current.offer.ID == o.ID {
		return
	}
	q.waiting = append(q.waiting, o)
	if q.current != nil {
		q.current.setQueued(len(q.waiting))
	}
}

func (q *offerQueue) remove(id string) bool {
	for i, w := range q.waiting {
		if w.ID == id {
			q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
			if q.current != nil {
				q.current.setQueued(len(q.waiting))
			}
			return true
		}
	}
	return false
}

// offerDialog is the open "X wants to send you…" card.
type offerDialog struct {
	offer     OfferInfo
	dlg       *dialog.CustomDialog
	dir       string
	items     *offerItems
	dirText   *widget.Label
	code      *widget.Label
	change    *keyButton
	always    *widget.Check
	accept    *keyButton
	decline   *keyButton
	queued    *widget.RichText
	countdown *widget.RichText
	// def is what Enter does: Accept for a known device, Decline for one
	// this person has never exchanged files with.
	def *keyButton
}

// setQueued says how many more offers wait behind this one.
func (d *offerDialog) setQueued(n int) {
	setCaption(d.queued, tr("ui.offer.queued", "Count", n))
	setShown(d.queued, n > 0)
}

func (g *GUI) showNextOffer() {
	q := &g.offers
	if q.current != nil || len(q.waiting) == 0 {
		return
	}
	o := q.waiting[0]
	q.waiting = q.waiting[1:]
	d := g.newOfferDialog(o)
	q.current = d
	g.tickOffer(d) // before Show, so the dialog is sized with the countdown
	d.dlg.Show()
	g.opt.tracef("offer %s from %q shown with code %q", o.ID, o.PeerName, d.code.Text)
	g.bindKeys(func() { d.def.OnTapped() }, func() { g.answerOffer(d, false) })
	// Focus on the default, so the flow works from the keyboard: Enter
	// takes it, Tab reaches Change…, "always" and the other button.
	g.win.Canvas().Focus(d.def)
}

// tickOffer shows the time left to answer and schedules the next second;
// the ticking stops once the dialog is no longer the open one.
func (g *GUI) tickOffer(d *offerDialog) {
	if g.offers.current != d || d.offer.Expires.IsZero() {
		return
	}
	left := max(d.offer.Expires.Sub(g.opt.now()), 0)
	secs := (left + time.Second - 1) / time.Second // 1:59.2 reads 2:00
	setCaption(d.countdown, tr("ui.offer.expires", "Time", formatClock(secs*time.Second)))
	d.countdown.Show()
	if left == 0 {
		return // the backend closes the offer (OfferClosed) and says why
	}
	next := left - (secs-1)*time.Second // until the shown second changes
	g.opt.after(next, func() { fyne.Do(func() { g.tickOffer(d) }) })
}

func (g *GUI) newOfferDialog(o OfferInfo) *offerDialog {
	d := &offerDialog{offer: o, dir: g.settings.DownloadDir}

	head := widget.NewLabel(offerHeadline(o))
	head.TextStyle.Bold = true
	head.Wrapping = fyne.TextWrapWord
	trust := widget.NewLabel(lang.L("ui.offer.new"))
	trust.Importance = widget.WarningImportance
	trust.Wrapping = fyne.TextWrapWord
	if o.Known {
		trust.SetText(lang.L("ui.offer.known"))
		trust.Importance = widget.SuccessImportance
	}
	if o.NameClash {
		trust.SetText(tr("ui.offer.clash", "Peer", o.PeerName))
		trust.Importance = widget.DangerImportance
	}
	if o.Unverified {
		trust.SetText(tr("ui.offer.unverified", "Peer", o.PeerName))
		trust.Importance = widget.DangerImportance
	}

	code := widget.NewLabel(formatCode(o.Code))
	code.TextStyle = fyne.TextStyle{Monospace: true}
	code.SizeName = theme.SizeNameHeadingText
	code.Alignment = fyne.TextAlignCenter
	codeHelp := newWrappedCaption(tr("ui.offer.code.help", "Peer", o.PeerName), fyne.TextAlignCenter)
	if o.Code == "" {
		// LocalSend has no verification code; its certificate fingerprint
		// is what can be compared instead.
		code.SetText(o.Fingerprint)
		codeHelp = newWrappedCaption(tr("ui.offer.fingerprint.help", "Peer", o.PeerName), fyne.TextAlignCenter)
	}
	d.code = code

	d.items = newOfferItems(o.Items, func() {
		// Accept needs at least one ticked item.
		if d.items.kept == 0 {
			d.accept.Disable()
		} else {
			d.accept.Enable()
		}
	})

	// The whole path, wrapped: cut at its end, a long path would hide the
	// very folder just picked with Change….
	d.dirText = widget.NewLabel(d.dir)
	d.dirText.Wrapping = fyne.TextWrapWord
	d.change = newKeyButton(g, lang.L("ui.offer.change"), theme.FolderOpenIcon(), func() {
		g.chooseFolder(func(p string) {
			d.setDir(p)
			g.opt.tracef("offer %s saves to %q", o.ID, d.dirText.Text)
		})
	})
	// Change… keeps its height at the top when the path takes several lines.
	saveRow := container.NewBorder(nil, nil, widget.NewLabel(lang.L("ui.offer.saveto")), container.NewVBox(d.change), d.dirText)
	if onlyText(o) {
		saveRow.Hide() // text is shown, not saved
	}

	d.always = widget.NewCheck(tr("ui.offer.always", "Peer", o.PeerName), nil)
	if o.Unverified {
		d.always.Hide() // a claimed identity can't be trusted from now on
	}
	d.countdown = newCaption("")
	d.countdown.Truncation = fyne.TextTruncateOff // beside "always", at its own width
	d.countdown.Hide()
	d.queued = newCaption("")
	d.setQueued(len(g.offers.waiting))

	content := container.NewVBox(
		head, trust, widget.NewSeparator(), code, codeHelp, widget.NewSeparator(),
		d.items.box, saveRow,
		// The time left sits beside "always accept", saving a line: the
		// dialog must fit the window's smallest size with a long list.
		container.NewBorder(nil, nil, d.always, d.countdown), d.queued,
	)

	d.dlg = dialog.NewCustomWithoutButtons(tr("ui.offer.title", "Peer", o.PeerName), content, g.win)
	d.decline = newKeyButton(g, lang.L("ui.offer.decline"), theme.CancelIcon(), func() { g.answerOffer(d, false) })
	d.accept = newKeyButton(g, lang.L("ui.offer.accept"), theme.ConfirmIcon(), func() { g.answerOffer(d, true) })
	// Accepting files from a device never seen before is a choice the
	// person makes on purpose (Tab to Accept), never a reflex Enter.
	d.def = d.decline
	if o.Known && !o.NameClash && !o.Unverified {
		d.def = d.accept
		d.accept.Importance = widget.HighImportance
	}
	d.dlg.SetButtons([]fyne.CanvasObject{d.decline, d.accept})
	return d
}

// setDir is where the offer will be saved, from Change….
func (d *offerDialog) setDir(p string) {
	d.dir = p
	d.dirText.SetText(p)
	// The dialog was sized for the old path: grow it so the new one's
	// lines don't run over what follows.
	d.dlg.Resize(d.dlg.MinSize())
}

// offerHeadline is "Sari-PC wants to send you 3 files (1.2 GB)".
func offerHeadline(o OfferInfo) string {
	what := ""
	switch {
	case len(o.Items) == 1 && o.Items[0].Kind == KindText:
		return tr("ui.offer.headline.text", "Peer", o.PeerName)
	case len(o.Items) == 1:
		what = o.Items[0].Path
	default:
		what = tr("ui.transfer.items", "Count", len(o.Items))
	}
	return tr("ui.offer.headline", "Peer", o.PeerName, "What", what, "Size", formatBytes(o.Total))
}

func onlyText(o OfferInfo) bool {
	for _, it := range o.Items {
		if it.Kind != KindText {
			return false
		}
	}
	return len(o.Items) > 0
}

func (g *GUI) answerOffer(d *offerDialog, accept bool) {
	if g.offers.current != d || (accept && d.items.kept == 0) {
		return // nothing ticked: Accept is disabled, and so is Enter
	}
	dec := Decision{Accept: accept, Always: accept && d.always.Checked}
	if accept {
		dec.Items = d.items.choice()
		g.opt.tracef("offer %s accepted with %d of %d items ticked", d.offer.ID, d.items.kept, len(d.offer.Items))
	}
	if accept && d.dir != g.settings.DownloadDir {
		dec.Dir = d.dir
	}
	id := d.offer.ID
	g.offers.current = nil
	d.dlg.Hide()
	g.opt.background(func() func() {
		if err := g.b.Answer(id, dec); err != nil {
			return func() { g.showError(lang.L("ui.error.answer.title"), err) }
		}
		return nil
	})
	g.showNextOffer()
}

// closeOffer withdraws an offer the sender cancelled or that timed out.
func (g *GUI) closeOffer(id string, why OfferEnd) {
	q := &g.offers
	if q.remove(id) {
		return // never shown; nothing to explain
	}
	cur := q.current
	if cur == nil || cur.offer.ID != id {
		return
	}
	q.current = nil
	cur.dlg.Hide()
	msg := tr("ui.offer.expired", "Peer", cur.offer.PeerName)
	if why == OfferWithdrawn {
		msg = tr("ui.offer.withdrawn", "Peer", cur.offer.PeerName)
	}
	info := dialog.NewInformation(lang.L("ui.offer.gone.title"), msg, g.win)
	info.SetOnClosed(g.showNextOffer)
	info.Show()
	g.bindKeys(info.Hide, info.Hide)
}

// textQueue holds received texts: one dialog at a time, the next when it
// closes, so several texts do not stack up as popups.
type textQueue struct {
	waiting []TransferInfo
	open    bool
}

// showReceivedText shows text that arrived, with a button to copy it, or
// queues it behind the one already shown.
func (g *GUI) showReceivedText(t TransferInfo) {
	q := &g.texts
	for _, w := range q.waiting {
		if w.ID == t.ID {
			return
		}
	}
	q.waiting = append(q.waiting, t)
	if !q.open {
		g.showNextText()
	}
}

// maxDialogText is how much of a received text its dialog shows: a
// wrapped label's layout grows with the square of its length (on a loaded
// 2-core machine 4 KiB took 0.8 s, 16 KiB 11 s, 32 KiB a minute), and a
// LocalSend message may be 1 MiB. Copy copies all of it.
const maxDialogText = 2000

// dialogText is the start of s the dialog shows, cut after a space near
// maxDialogText characters when s is longer, and whether it was cut.
func dialogText(s string) (string, bool) {
	if len(s) <= maxDialogText || utf8.RuneCountInString(s) <= maxDialogText {
		return s, false
	}
	r := []rune(s[:min(len(s), 4*maxDialogText)])[:maxDialogText]
	shown := string(r)
	if i := strings.LastIndexAny(shown, " \n"); i > maxDialogText/2 {
		shown = shown[:i]
	}
	return shown + " …", true
}

func (g *GUI) showNextText() {
	q := &g.texts
	if len(q.waiting) == 0 {
		q.open = false
		return
	}
	t := q.waiting[0]
	q.waiting = q.waiting[1:]
	q.open = true
	shown, cut := dialogText(t.Text)
	text := widget.NewLabel(shown)
	text.Wrapping = fyne.TextWrapWord
	text.Selectable = true
	scroll := container.NewVScroll(text)
	scroll.SetMinSize(fyne.NewSize(420, 160))
	var notes []fyne.CanvasObject
	if cut {
		note := newCaption(tr("ui.text.cut", "Size", formatBytes(int64(len(t.Text)))))
		note.Truncation, note.Wrapping = fyne.TextTruncateOff, fyne.TextWrapWord // all of it must be read
		notes = append(notes, note)
	}
	if n := len(q.waiting); n > 0 {
		notes = append(notes, newCaption(tr("ui.text.queued", "Count", n)))
	}
	body := fyne.CanvasObject(scroll)
	if len(notes) > 0 {
		body = container.NewBorder(nil, container.NewVBox(notes...), nil, nil, scroll)
	}
	d := dialog.NewCustomWithoutButtons(tr("ui.text.title", "Peer", t.PeerName), body, g.win)
	copyBtn := newKeyButton(g, lang.L("ui.text.copy"), theme.ContentCopyIcon(), nil)
	copyBtn.Importance = widget.HighImportance
	copyBtn.OnTapped = func() {
		g.app.Clipboard().SetContent(t.Text)
		copyBtn.SetText(lang.L("ui.text.copied"))
		copyBtn.SetIcon(theme.ConfirmIcon())
	}
	label := lang.L("ui.dialog.close")
	if len(q.waiting) > 0 {
		label = lang.L("ui.text.next")
	}
	closeBtn := newKeyButton(g, label, nil, d.Hide)
	d.SetButtons([]fyne.CanvasObject{closeBtn, copyBtn})
	d.SetOnClosed(g.showNextText)
	d.Show()
	g.bindKeys(copyBtn.OnTapped, d.Hide)
}
