package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// offerItems is the offer dialog's list of what is offered, each item with
// a tick box: the person may untick files and folders (a folder with
// everything in it) and receive only the rest. A widget.List builds only
// the rows in view, so an offer of thousands of items opens as quickly as
// one of three.
type offerItems struct {
	items    []ItemInfo
	keep     []bool
	kept     int
	all      *widget.Check // ticks or unticks everything; a dash when mixed
	list     *widget.List
	summary  *widget.RichText // what will be received, once something is unticked
	onChange func()           // the dialog enables or disables Accept
	box      fyne.CanvasObject
}

// maxListHeight is as tall as the item list grows before it scrolls.
const maxListHeight = 180

func newOfferItems(items []ItemInfo, onChange func()) *offerItems {
	l := &offerItems{items: items, keep: make([]bool, len(items)), kept: len(items), onChange: onChange}
	for i := range l.keep {
		l.keep[i] = true
	}
	if len(items) <= 1 {
		// One item: Decline is the way not to take it. No list and no tick
		// box, so Tab goes from the buttons straight to Change….
		row := newOfferItemRow(false)
		if len(items) == 1 {
			row.set(items[0], true, nil)
		}
		l.box = row
		return l
	}
	const ticks = true
	l.list = widget.NewList(
		func() int { return len(l.items) },
		func() fyne.CanvasObject { return newOfferItemRow(ticks) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*offerItemRow).set(l.items[i], l.keep[i], func(on bool) { l.set(i, on) })
		},
	)
	// A tap anywhere on a row flips its tick, not only on the small box.
	l.list.OnSelected = func(i widget.ListItemID) {
		l.list.UnselectAll()
		l.set(i, !l.keep[i])
	}
	fileRow := newOfferItemRow(ticks).MinSize().Height
	height := float32(0)
	for i, it := range items {
		h := fileRow
		if it.Kind == KindText {
			probe := newOfferItemRow(ticks)
			probe.set(it, true, nil)
			h = probe.MinSize().Height
			l.list.SetItemHeight(i, h)
		}
		if i > 0 {
			height += theme.Padding() // the list's gap between rows
		}
		height += h
		if height > maxListHeight {
			height = maxListHeight
			break
		}
	}
	size := canvas.NewRectangle(color.Transparent)
	size.SetMinSize(fyne.NewSize(460, height))
	l.summary = newCaption("")
	l.summary.Hide()
	l.all = widget.NewCheck(lang.L("ui.offer.all"), nil)
	l.all.Checked = true
	l.all.OnChanged = l.setAll
	// "All items" and what is chosen share a line above the list.
	l.summary.Truncation = fyne.TextTruncateOff
	top := container.NewBorder(nil, nil, l.all, l.summary)
	l.box = container.NewBorder(top, nil, nil, nil, container.NewStack(size, l.list))
	return l
}

// set ticks or unticks item i.
func (l *offerItems) set(i int, keep bool) {
	if l.list == nil || l.keep[i] == keep {
		return
	}
	l.keep[i] = keep
	if keep {
		l.kept++
	} else {
		l.kept--
	}
	l.list.RefreshItem(i)
	l.changed()
}

func (l *offerItems) setAll(keep bool) {
	if l.list == nil {
		return
	}
	for i := range l.keep {
		l.keep[i] = keep
	}
	l.kept = 0
	if keep {
		l.kept = len(l.keep)
	}
	l.list.Refresh()
	l.changed()
}

// changed updates the "all" box and the summary after a tick changed.
func (l *offerItems) changed() {
	onAll := l.all.OnChanged
	l.all.OnChanged = nil // reflecting the items is no choice of the person's
	l.all.SetChecked(l.kept == len(l.keep))
	l.all.Partial = l.kept > 0 && l.kept < len(l.keep)
	l.all.Refresh()
	l.all.OnChanged = onAll
	switch {
	case l.kept == len(l.keep):
		l.summary.Hide()
	case l.kept == 0:
		setCaption(l.summary, lang.L("ui.offer.none"))
		l.summary.Show()
	default:
		var size int64
		for i, it := range l.items {
			if l.keep[i] {
				size += it.Size
			}
		}
		setCaption(l.summary, tr("ui.offer.selected", "Count", l.kept, "Total", len(l.keep), "Size", formatBytes(size)))
		l.summary.Show()
	}
	if l.onChange != nil {
		l.onChange()
	}
}

// choice is the answer's Items: nil when everything stays ticked.
func (l *offerItems) choice() []bool {
	if l.kept == len(l.keep) {
		return nil
	}
	return append([]bool(nil), l.keep...)
}

// offerItemRow is one offered item: tick box, icon, name (or a text's
// preview) and size.
type offerItemRow struct {
	widget.BaseWidget
	check   *widget.Check
	icon    *widget.Icon
	name    *widget.Label
	text    *widget.Label // a text item's preview, several lines
	preview fyne.CanvasObject
	size    *widget.RichText
	content fyne.CanvasObject
}

func newOfferItemRow(ticks bool) *offerItemRow {
	r := &offerItemRow{check: widget.NewCheck("", nil), icon: widget.NewIcon(theme.FileIcon())}
	r.name = widget.NewLabel("")
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.text = widget.NewLabel("")
	r.text.TextStyle.Italic = true
	r.text.Wrapping = fyne.TextWrapWord
	r.preview = textPreview(r.text, 4)
	r.preview.Hide()
	r.size = newCaption("")
	r.size.Truncation = fyne.TextTruncateOff
	if !ticks {
		r.check.Hide()
	}
	// Icon, tick and size stay level with the first line, not centred on
	// a text's several lines of preview.
	iconLine := container.NewStack(widget.NewLabel(""), container.NewCenter(r.icon))
	left := container.NewVBox(container.NewHBox(r.check, iconLine))
	r.content = container.NewBorder(nil, nil, left, container.NewVBox(r.size), container.NewStack(r.name, r.preview))
	r.ExtendBaseWidget(r)
	return r
}

func (r *offerItemRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.content)
}

// set shows item it, ticked or not; changed hears the person's tick.
func (r *offerItemRow) set(it ItemInfo, keep bool, changed func(bool)) {
	r.check.OnChanged = nil // showing the state is not a change
	r.check.SetChecked(keep)
	r.check.OnChanged = changed
	r.name.Show()
	r.preview.Hide()
	r.name.SetText(it.Path)
	setCaption(r.size, formatBytes(it.Size))
	switch it.Kind {
	case KindDir:
		r.icon.SetResource(theme.FolderIcon())
		if it.Files == 1 {
			setCaption(r.size, tr("ui.offer.folder.one", "Size", formatBytes(it.Size)))
		} else {
			setCaption(r.size, tr("ui.offer.folder", "Count", it.Files, "Size", formatBytes(it.Size)))
		}
	case KindText:
		// The text as it will arrive, line breaks kept, several lines of
		// it with a scroll for the rest (the preview is its start).
		r.icon.SetResource(theme.DocumentIcon())
		r.text.SetText(it.TextPreview)
		r.name.Hide()
		r.preview.Show()
	default:
		r.icon.SetResource(theme.FileIcon())
	}
}
