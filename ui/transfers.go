package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// transfersPanel is the right half: every transfer of this session, newest
// first.
func (g *GUI) transfersPanel() fyne.CanvasObject {
	w := &g.w
	w.transferList = widget.NewList(
		func() int { return len(g.transfers) },
		func() fyne.CanvasObject { return newTransferRow(g) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(g.transfers) {
				o.(*transferRow).set(g.transfers[i])
			}
		})
	w.transferList.OnSelected = func(widget.ListItemID) { w.transferList.UnselectAll() }
	w.transferEmpty = emptyState(theme.UploadIcon(), lang.L("ui.transfers.empty.title"), lang.L("ui.transfers.empty.help"))
	// widget.List asks for its template row's width only; rows with Open
	// and Show in folder need more, so the split may not squeeze the list
	// below what a row needs.
	return container.NewBorder(panelTitle(lang.L("ui.transfers.title")), nil, nil, nil,
		container.New(rowSizer{g}, minWidth(transfersMinWidth, container.NewStack(w.transferList, w.transferEmpty))))
}

// transfersMinWidth fits the widest row (Open and Show in folder beside
// the detail line, in Indonesian).
const transfersMinWidth = 260

// emptyState is a centred icon, title and help text for an empty list.
func emptyState(icon fyne.Resource, title, help string) fyne.CanvasObject {
	t := widget.NewLabel(title)
	t.TextStyle.Bold = true
	t.Alignment = fyne.TextAlignCenter
	h := newWrappedCaption(help, fyne.TextAlignCenter)
	iconBox := container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(48), widget.NewIcon(icon)))
	return container.NewVBox(layout.NewSpacer(), iconBox, t, h, layout.NewSpacer())
}

func (g *GUI) refreshTransfers() {
	w := &g.w
	if w.transferList == nil {
		return
	}
	setShown(w.transferEmpty, len(g.transfers) == 0)
	setShown(w.transferList, len(g.transfers) > 0)
	g.sizeTransferRows()
	w.transferList.Refresh()
}

// applyTransfers draws a batch of updates from the throttle.
func (g *GUI) applyTransfers(batch []TransferInfo) {
	added, resize := false, false
	for _, t := range batch {
		i := g.transferIndex(t.ID)
		var before TransferState
		if i < 0 {
			g.transfers = append([]TransferInfo{t}, g.transfers...)
			added = true
		} else {
			before = g.transfers[i].State
			resize = resize || showsCode(g.transfers[i]) != showsCode(t)
			g.transfers[i] = t
			if !added && !resize && g.w.transferList != nil {
				g.w.transferList.RefreshItem(i)
			}
		}
		if showsCode(t) && t.Code != "" && !g.notified[t.ID] {
			g.notified[t.ID] = true
			g.notify(tr("ui.notify.code.title", "Peer", t.PeerName),
				tr("ui.notify.code.body", "Code", formatCode(t.Code), "Peer", t.PeerName))
		}
		if t.State.Final() {
			g.closePIN(t.ID) // nobody waits for that PIN any more
			if before != t.State {
				g.finished(t)
			}
		}
	}
	if added || resize {
		g.refreshTransfers()
	}
}

// sizeTransferRows gives each row its own height: a row showing a code is
// taller than the others, and widget.List otherwise sizes every row alike.
func (g *GUI) sizeTransferRows() {
	l := g.w.transferList
	if l == nil {
		return
	}
	if g.w.measureRow == nil {
		g.w.measureRow = newTransferRow(g)
	}
	m := g.w.measureRow
	// A wrapped line (the code's help) is as tall as the row's width
	// makes it: measure at the list's width.
	w := l.Size().Width
	for i, t := range g.transfers {
		m.set(t)
		m.Resize(fyne.NewSize(w, m.MinSize().Height))
		l.SetItemHeight(i, m.MinSize().Height)
	}
	g.w.measuredAt = w
}

// rowSizer sizes the transfer rows again when the list's width changes,
// since a narrower row wraps its code help onto more lines.
type rowSizer struct{ g *GUI }

func (r rowSizer) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

func (r rowSizer) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Resize(size)
	objs[0].Move(fyne.NewPos(0, 0))
	if l := r.g.w.transferList; l != nil && l.Size().Width != r.g.w.measuredAt {
		r.g.sizeTransferRows()
	}
}

func (g *GUI) transferIndex(id string) int {
	for i, t := range g.transfers {
		if t.ID == id {
			return i
		}
	}
	return -1
}

// finished tells the person about a transfer that ended, once.
func (g *GUI) finished(t TransferInfo) {
	title := transferTitle(t)
	switch {
	case t.State == Done && t.Direction == Incoming:
		g.notify(lang.L("ui.notify.received.title"), tr("ui.notify.received.body", "Title", title, "Peer", t.PeerName))
		if t.Kind == KindText && t.Text != "" && !g.textShown[t.ID] {
			g.textShown[t.ID] = true
			g.showReceivedText(t)
		}
	case t.State == Done:
		g.notify(lang.L("ui.notify.sent.title"), tr("ui.notify.sent.body", "Title", title, "Peer", t.PeerName))
	case t.State == Failed:
		g.notify(lang.L("ui.notify.failed.title"), tr("ui.notify.failed.body", "Title", title, "Peer", t.PeerName))
	}
}

// transferRow draws one transfer:
//
//	[↑] report.pdf                               Sending
//	[███████████████░░░░░░ 71%]
//	To Sari-PC · 84 MB/s · 0:03 left        [Cancel]
type transferRow struct {
	widget.BaseWidget
	g *GUI
	t TransferInfo

	icon     *widget.Icon
	title    *widget.Label
	state    *widget.Label
	code     *widget.Label    // the verification code, large, while waiting
	codeHelp *widget.RichText // what to do with it
	codeBox  *fyne.Container
	progress *widget.ProgressBar
	result   *widget.Label
	line2    *fyne.Container // progress or result
	detail   *widget.RichText
	cancel   *widget.Button
	open     *widget.Button
	reveal   *widget.Button
	retry    *widget.Button
}

func newTransferRow(g *GUI) *transferRow {
	r := &transferRow{g: g}
	r.icon = widget.NewIcon(theme.UploadIcon())
	r.title = widget.NewLabel("")
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.state = widget.NewLabel("")
	r.code = widget.NewLabel("")
	r.code.TextStyle = fyne.TextStyle{Monospace: true}
	r.code.SizeName = theme.SizeNameHeadingText
	r.code.Alignment = fyne.TextAlignCenter
	r.codeHelp = newWrappedCaption("", fyne.TextAlignCenter)
	r.codeBox = container.New(&tightVBox{}, r.code, r.codeHelp)
	r.progress = widget.NewProgressBar()
	r.result = widget.NewLabel("")
	r.result.Truncation = fyne.TextTruncateEllipsis
	r.line2 = container.NewStack(r.progress, r.result)
	r.detail = newCaption("")
	r.cancel = widget.NewButtonWithIcon(lang.L("ui.transfer.cancel"), theme.CancelIcon(), func() { g.cancelTransfer(r.t.ID) })
	r.open = widget.NewButtonWithIcon(lang.L("ui.transfer.open"), theme.FileIcon(), func() {
		if r.t.Kind == KindText {
			g.showReceivedText(r.t)
			return
		}
		g.openFile(r.t.SavedTo)
	})
	// The history's opener: a missing file manager is told in words, and
	// the received items are selected in their folder where it can.
	r.reveal = widget.NewButtonWithIcon(lang.L("ui.transfer.reveal"), theme.FolderOpenIcon(), func() { g.revealFiles(revealPaths(r.t)) })
	r.retry = widget.NewButtonWithIcon(lang.L("ui.transfer.retry"), theme.ViewRefreshIcon(), func() { g.retryTransfer(r.t.ID) })
	for _, b := range []*widget.Button{r.cancel, r.open, r.reveal, r.retry} {
		b.Importance = widget.LowImportance
		// set shows the ones that apply; hidden until then so the list's
		// template row (which sizes the list) is not as wide as all four.
		b.Hide()
	}
	r.ExtendBaseWidget(r)
	return r
}

func (r *transferRow) CreateRenderer() fyne.WidgetRenderer {
	buttons := container.NewHBox(r.cancel, r.open, r.reveal, r.retry)
	line1 := container.NewBorder(nil, nil, r.icon, r.state, r.title)
	line3 := container.NewBorder(nil, nil, nil, buttons, r.detail)
	return widget.NewSimpleRenderer(container.NewVBox(line1, r.codeBox, r.line2, line3))
}

// showsCode reports whether t's row shows the verification code box: an
// outgoing transfer waiting for the receiver's person, once connected (a
// LocalSend device gets the box too, saying it has no code).
func showsCode(t TransferInfo) bool {
	return t.Direction == Outgoing && t.State == Waiting && (t.Code != "" || t.LocalSend)
}

// setCode fills the code box, or hides it.
func (r *transferRow) setCode(t TransferInfo) {
	r.codeBox.Hidden = !showsCode(t)
	if r.codeBox.Hidden {
		return
	}
	if t.LocalSend && t.Code == "" {
		r.code.Hide()
		setCaption(r.codeHelp, tr("ui.transfer.nocode", "Peer", t.PeerName))
	} else {
		r.code.Show()
		r.code.SetText(formatCode(t.Code))
		setCaption(r.codeHelp, tr("ui.offer.code.help", "Peer", t.PeerName))
	}
	r.codeBox.Refresh()
}

func (r *transferRow) set(t TransferInfo) {
	r.t = t
	if t.Direction == Incoming {
		r.icon.SetResource(theme.DownloadIcon())
	} else {
		r.icon.SetResource(theme.UploadIcon())
	}
	r.title.SetText(transferTitle(t))
	r.state.SetText(stateLabel(t))
	if _, asking := r.g.pins[t.ID]; asking && !t.State.Final() {
		r.state.SetText(lang.L("ui.state.waiting-pin"))
	}
	r.state.Importance = stateImportance(t.State)
	r.state.Refresh()

	final := t.State.Final()
	// Nothing moves while the receiver's person decides: an empty 0% bar
	// would only say that something is stuck.
	r.progress.Hidden = final || t.State == Waiting
	r.result.Hidden = !final
	r.line2.Hidden = r.progress.Hidden && r.result.Hidden
	if !final {
		r.progress.TextFormatter = nil
		if t.Swarm {
			// One of several receivers passing pieces to each other: the
			// bar says so, and the progress line below keeps its figures.
			pct := 0.0
			if t.Total > 0 {
				pct = float64(t.Done) * 100 / float64(t.Total)
			}
			line := fmt.Sprintf("%.0f%% · %s", pct, r.g.swarmLine(t))
			r.progress.TextFormatter = func() string { return line }
		}
		if t.Total > 0 {
			r.progress.SetValue(float64(t.Done) / float64(t.Total))
		} else {
			r.progress.SetValue(0)
		}
	}
	switch {
	case t.State == Done && t.Kind == KindText && t.Count <= 1:
		r.result.SetText(textSnippet(t.Text, 200))
		r.result.Importance = widget.MediumImportance
	case t.State == Done && t.Direction == Incoming && t.SavedTo != "":
		r.result.SetText(tr("ui.transfer.savedto", "Path", t.SavedTo))
		r.result.Importance = widget.MediumImportance
	case t.State == Failed && t.Err != "":
		r.result.SetText(t.Err)
		r.result.Importance = widget.DangerImportance
	case (t.State == Declined || t.State == Cancelled) && t.Err != "" && t.ErrCode != "cancelled":
		// Who declined or cancelled, or that nobody answered: the
		// engine's words name the device.
		r.result.SetText(t.Err)
		r.result.Importance = widget.WarningImportance
	case t.State == Done:
		r.result.SetText(tr("ui.transfer.total", "Size", formatBytes(t.Total)))
		r.result.Importance = widget.MediumImportance
	default:
		r.result.SetText("")
	}
	r.result.Refresh()
	r.setCode(t)
	setCaption(r.detail, transferDetail(t))

	isText := t.Kind == KindText && t.Count <= 1
	canOpen := t.State == Done && t.Direction == Incoming && t.SavedTo != "" && !isText
	r.cancel.Hidden = final
	r.open.Hidden = !(canOpen && t.Count <= 1) && !(isText && t.State == Done && t.Direction == Incoming)
	r.reveal.Hidden = !canOpen
	r.retry.Hidden = !(t.Direction == Outgoing && (t.State == Failed || t.State == Cancelled))
	r.Refresh()
}

// transferDetail is the small line under a transfer: peer, speed, time left.
func transferDetail(t TransferInfo) string {
	var parts []string
	if t.Direction == Incoming {
		parts = append(parts, tr("ui.transfer.from", "Peer", t.PeerName))
	} else {
		parts = append(parts, tr("ui.transfer.to", "Peer", t.PeerName))
	}
	if t.Skipped > 0 {
		// Partial accept: "3 of 5 files; 2 skipped by Budi".
		key := "ui.transfer.skipped"
		if t.Direction == Incoming {
			key = "ui.transfer.skipped.in"
		}
		parts = append(parts, tr(key, "Files", t.Files, "Offered", t.Files+t.Skipped, "Skipped", t.Skipped, "Peer", t.PeerName))
	}
	if t.State == Sending || t.State == Verifying || t.State == Retrying {
		parts = append(parts, tr("ui.transfer.of", "Done", formatBytes(t.Done), "Total", formatBytes(t.Total)))
		if t.State == Sending && t.Rate > 0 {
			parts = append(parts, formatRate(t.Rate))
		}
		if t.State == Sending && t.ETA > 0 {
			parts = append(parts, tr("ui.transfer.eta", "Time", formatClock(t.ETA)))
		}
	}
	return strings.Join(parts, " · ")
}

// swarmLine says a row is part of a swarm: a receiver's, how much came
// from the other receivers; a sender's, how far all the send's receivers
// are together.
func (g *GUI) swarmLine(t TransferInfo) string {
	if t.Direction == Incoming {
		return tr("ui.transfer.swarm.in", "Size", formatBytes(t.FromPeers))
	}
	var n int
	var done, total int64
	for _, o := range g.transfers {
		if o.Swarm && o.Direction == Outgoing && o.SwarmID != "" && o.SwarmID == t.SwarmID {
			n, done, total = n+1, done+o.Done, total+o.Total
		}
	}
	if n < 2 || total == 0 {
		return tr("ui.transfer.swarm.out")
	}
	return tr("ui.transfer.swarm.out.all", "N", n, "Pct", fmt.Sprintf("%.0f", float64(done)*100/float64(total)))
}

func stateLabel(t TransferInfo) string {
	switch t.State {
	case Waiting:
		if t.Direction == Outgoing {
			return lang.L("ui.state.waiting")
		}
		return lang.L("ui.state.starting")
	case Sending:
		if t.Direction == Incoming {
			return lang.L("ui.state.receiving")
		}
		return lang.L("ui.state.sending")
	case Verifying:
		return lang.L("ui.state.verifying")
	case Retrying:
		return tr("ui.state.retrying", "Peer", t.PeerName)
	case Done:
		return lang.L("ui.state.done")
	case Declined:
		switch t.ErrCode {
		case "expired", "remote-expired", "offer-expired":
			return lang.L("ui.state.unanswered")
		case "declined", "remote-declined":
			return tr("ui.state.declined.by", "Peer", t.PeerName)
		case "declined-local":
			return lang.L("ui.state.declined.you")
		}
		return lang.L("ui.state.declined")
	case Cancelled:
		switch t.ErrCode {
		case "peer-cancelled", "remote-cancelled":
			return tr("ui.state.cancelled.by", "Peer", t.PeerName)
		case "cancelled":
			return lang.L("ui.state.cancelled.you")
		}
		return lang.L("ui.state.cancelled")
	case Failed:
		return lang.L("ui.state.failed")
	}
	return string(t.State)
}

func stateImportance(s TransferState) widget.Importance {
	switch s {
	case Done:
		return widget.SuccessImportance
	case Failed:
		return widget.DangerImportance
	case Declined, Cancelled:
		return widget.WarningImportance
	}
	return widget.MediumImportance
}

func (g *GUI) cancelTransfer(id string) {
	g.opt.background(func() func() {
		if err := g.b.Cancel(id); err != nil {
			return func() { g.showError(lang.L("ui.error.cancel.title"), err) }
		}
		return nil
	})
}

func (g *GUI) retryTransfer(id string) {
	g.opt.background(func() func() {
		if err := g.b.Retry(id); err != nil {
			return func() { g.showError(lang.L("ui.error.retry.title"), err) }
		}
		return nil
	})
}

// setShown shows or hides o.
func setShown(o fyne.CanvasObject, show bool) {
	if show {
		o.Show()
	} else {
		o.Hide()
	}
}
