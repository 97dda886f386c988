package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// historyScreen lists finished transfers, kept by the backend across
// restarts.
func (g *GUI) historyScreen() fyne.CanvasObject {
	entries := g.b.History()
	if len(entries) == 0 {
		return g.body(lang.L("ui.history.title"),
			emptyState(theme.HistoryIcon(), lang.L("ui.history.empty.title"), lang.L("ui.history.empty.help")))
	}
	list := widget.NewList(
		func() int { return len(entries) },
		func() fyne.CanvasObject { return newHistoryRow(g) },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*historyRow).set(entries[i]) })
	list.OnSelected = func(widget.ListItemID) { list.UnselectAll() }
	g.w.historyList = list
	return g.body(lang.L("ui.history.title"), list)
}

type historyRow struct {
	widget.BaseWidget
	g      *GUI
	t      TransferInfo
	icon   *widget.Icon
	title  *widget.Label
	state  *widget.Label
	detail *widget.RichText
	open   *widget.Button
	reveal *widget.Button
}

func newHistoryRow(g *GUI) *historyRow {
	r := &historyRow{g: g}
	r.icon = widget.NewIcon(theme.UploadIcon())
	r.title = widget.NewLabel("")
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.state = widget.NewLabel("")
	r.detail = newCaption("")
	r.open = widget.NewButtonWithIcon(lang.L("ui.transfer.open"), theme.FileIcon(), func() { g.openPath(r.t.SavedTo) })
	r.reveal = widget.NewButtonWithIcon(lang.L("ui.transfer.reveal"), theme.FolderOpenIcon(), func() { g.openPath(revealDir(r.t)) })
	r.open.Importance = widget.LowImportance
	r.reveal.Importance = widget.LowImportance
	r.ExtendBaseWidget(r)
	return r
}

func (r *historyRow) CreateRenderer() fyne.WidgetRenderer {
	text := container.New(&tightVBox{}, container.NewBorder(nil, nil, nil, r.state, r.title), r.detail)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.icon, container.NewHBox(r.open, r.reveal), text))
}

func (r *historyRow) set(t TransferInfo) {
	r.t = t
	if t.Direction == Incoming {
		r.icon.SetResource(theme.DownloadIcon())
	} else {
		r.icon.SetResource(theme.UploadIcon())
	}
	r.title.SetText(transferTitle(t))
	r.state.SetText(stateLabel(t))
	r.state.Importance = stateImportance(t.State)
	r.state.Refresh()
	when := t.Finished
	if when.IsZero() {
		when = t.Started
	}
	detail := transferDetail(t) + " · " + formatBytes(t.Total) + " · " + when.Format("2006-01-02 15:04")
	if t.State == Failed && t.Err != "" {
		detail += " · " + t.Err
	} else if t.SavedTo != "" && t.Direction == Incoming {
		detail += " · " + t.SavedTo
	}
	setCaption(r.detail, detail)
	canOpen := t.State == Done && t.Direction == Incoming && t.SavedTo != "" && t.Kind != KindText
	r.open.Hidden = !canOpen || t.Count > 1
	r.reveal.Hidden = !canOpen
	r.Refresh()
}
