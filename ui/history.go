package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// historyScreen lists finished transfers, kept by the backend across
// restarts, with the unfinished downloads above them.
func (g *GUI) historyScreen() fyne.CanvasObject {
	entries := g.b.History()
	top := g.partialsPanel()
	if len(entries) == 0 {
		return g.body(lang.L("ui.history.title"), container.NewBorder(top, nil, nil, nil,
			emptyState(theme.HistoryIcon(), lang.L("ui.history.empty.title"), lang.L("ui.history.empty.help"))))
	}
	list := widget.NewList(
		func() int { return len(entries) },
		func() fyne.CanvasObject { return newHistoryRow(g) },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*historyRow).set(entries[i]) })
	list.OnSelected = func(widget.ListItemID) { list.UnselectAll() }
	g.w.historyList = list
	return g.body(lang.L("ui.history.title"), container.NewBorder(top, nil, nil, nil, list))
}

type historyRow struct {
	widget.BaseWidget
	g      *GUI
	t      TransferInfo
	icon   *widget.Icon
	title  *widget.Label
	state  *widget.Label
	detail *widget.RichText
	note   *widget.RichText // the error, or where it was saved, or how to resume
	open   *widget.Button
	reveal *widget.Button
	copy   *widget.Button
	retry  *widget.Button
}

func newHistoryRow(g *GUI) *historyRow {
	r := &historyRow{g: g}
	r.icon = widget.NewIcon(theme.UploadIcon())
	r.title = widget.NewLabel("")
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.state = widget.NewLabel("")
	r.detail = newCaption("")
	r.note = newCaption("")
	r.open = widget.NewButtonWithIcon(lang.L("ui.transfer.open"), theme.FileIcon(), func() { g.openFile(r.t.SavedTo) })
	r.reveal = widget.NewButtonWithIcon(lang.L("ui.transfer.reveal"), theme.FolderOpenIcon(), func() { g.revealFiles(revealPaths(r.t)) })
	r.copy = widget.NewButtonWithIcon(lang.L("ui.history.copy"), theme.ContentCopyIcon(), func() {
		g.app.Clipboard().SetContent(r.t.Text)
	})
	r.retry = widget.NewButtonWithIcon(lang.L("ui.transfer.retry"), theme.ViewRefreshIcon(), func() { g.retryTransfer(r.t.ID) })
	for _, b := range []*widget.Button{r.open, r.reveal, r.copy, r.retry} {
		b.Importance = widget.LowImportance
	}
	r.ExtendBaseWidget(r)
	return r
}

func (r *historyRow) CreateRenderer() fyne.WidgetRenderer {
	text := container.New(&tightVBox{}, container.NewBorder(nil, nil, nil, r.state, r.title), r.detail, r.note)
	buttons := container.NewHBox(r.open, r.reveal, r.copy, r.retry)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.icon, buttons, text))
}

func (r *historyRow) set(t TransferInfo) {
	r.t = t
	switch {
	case t.Kind == KindText:
		r.icon.SetResource(theme.DocumentIcon())
	case t.Direction == Incoming:
		r.icon.SetResource(theme.DownloadIcon())
	default:
		r.icon.SetResource(theme.UploadIcon())
	}
	r.title.SetText(historyTitle(t))
	r.state.SetText(stateLabel(t))
	r.state.Importance = stateImportance(t.State)
	r.state.Refresh()
	when := t.Finished
	if when.IsZero() {
		when = t.Started
	}
	parts := []string{transferDetail(t)}
	if t.Total > 0 {
		parts = append(parts, formatBytes(t.Total))
	}
	parts = append(parts, when.Format("2006-01-02 15:04"))
	setCaption(r.detail, strings.Join(parts, " · "))
	setCaption(r.note, historyNote(t))

	received := t.State == Done && t.Direction == Incoming && t.Kind != KindText
	setShown(r.open, received && t.SavedTo != "" && len(t.Paths) <= 1)
	setShown(r.reveal, received && len(revealPaths(t)) > 0)
	setShown(r.copy, t.Kind == KindText && t.Text != "")
	again := t.Direction == Outgoing && (t.State == Failed || t.State == Cancelled)
	setShown(r.retry, again)
	if again {
		if resumes(t) {
			r.retry.SetText(tr("ui.history.resume", "Left", formatBytes(t.Total-t.Done)))
		} else {
			r.retry.SetText(lang.L("ui.history.send-again"))
		}
	}
	r.Refresh()
}

// historyTitle names what moved: "report.pdf", "Liburan", "3 files:
// a.pdf, b.jpg…", the start of a text.
func historyTitle(t TransferInfo) string {
	switch {
	case t.Count == 1 && t.Kind == KindText:
		return textSnippet(t.Text, 60)
	case t.Count > 1 && len(t.Names) > 0:
		names := t.Names
		if len(names) > 2 {
			names = names[:2]
		}
		list := strings.Join(names, ", ")
		if t.Count > len(names) {
			list += "…"
		}
		if t.Kind == KindFile {
			return tr("history.title.files-named", "Count", t.Count, "Names", list)
		}
		return tr("history.title.items-named", "Count", t.Count, "Names", list)
	case t.Count > 1 && t.Kind == KindFile:
		return tr("history.title.files", "Count", t.Count)
	}
	return transferTitle(t)
}

// resumes reports whether sending t again continues where it stopped: the
// receiver keeps what arrived from a Lempar sender (LocalSend apps don't).
func resumes(t TransferInfo) bool {
	return !t.LocalSend && t.Kind != KindText && t.Done > 0 && t.Done < t.Total
}

// historyNote is the entry's second line: why it failed, where it was
// saved, or how an unfinished download continues.
func historyNote(t TransferInfo) string {
	switch {
	case t.State == Done && t.Direction == Incoming && t.SavedTo != "":
		return tr("ui.transfer.savedto", "Path", t.SavedTo)
	case t.State == Done && t.Kind == KindText:
		return textSnippet(t.Text, 200)
	case t.Direction == Incoming && (t.State == Failed || t.State == Cancelled) && resumes(t):
		msg := tr("ui.history.resume.incoming", "Peer", t.PeerName, "Left", formatBytes(t.Total-t.Done))
		if t.Err != "" {
			msg = t.Err + " " + msg
		}
		return msg
	}
	return t.Err
}

// revealPaths are the received items to show selected in their folder.
func revealPaths(t TransferInfo) []string {
	if len(t.Paths) > 0 {
		return t.Paths
	}
	if t.SavedTo != "" {
		return []string{t.SavedTo}
	}
	return nil
}

// ShowHistory opens the History screen (Ctrl+H; the screenshot tool).
func (g *GUI) ShowHistory() { g.show(screenHistory) }
