package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// nearbyPanel is the left half: devices to send to and the send buttons.
// The list is a plain scrolling box of rows rather than a widget.List
// because a drop must be mapped to the row under the pointer, and
// widget.List recycles rows out of the tree.
func (g *GUI) nearbyPanel() fyne.CanvasObject {
	w := &g.w
	w.peerBox = container.NewVBox()
	w.peerScroll = container.NewVScroll(w.peerBox)
	// At the window's minimum size the list still shows two devices whole.
	sample := newPeerRow(func(string, bool) {})
	sample.set(PeerInfo{Name: "M", Addr: "192.168.1.12:47110", OS: "android", Known: true, LocalSend: true}, false)
	w.peerScroll.SetMinSize(fyne.NewSize(0, 2*(sample.MinSize().Height+theme.Padding())+theme.SeparatorThicknessSize()))
	w.peerEmpty = g.peerEmptyState()
	w.selHint = newWrappedCaption("", fyne.TextAlignLeading)

	sendFiles := widget.NewButtonWithIcon(lang.L("ui.send.files"), theme.FileIcon(), g.sendFilesDialog)
	sendFolder := widget.NewButtonWithIcon(lang.L("ui.send.folder"), theme.FolderIcon(), g.sendFolderDialog)
	sendText := widget.NewButtonWithIcon(lang.L("ui.send.text"), theme.DocumentCreateIcon(), g.sendTextDialog)
	add := widget.NewButtonWithIcon(lang.L("ui.peer.add"), theme.ContentAddIcon(), g.addByAddressDialog)
	buttons := container.NewGridWithColumns(2, sendFiles, sendFolder, sendText, add)

	bottom := container.NewVBox(w.selHint, buttons)
	w.nearby = container.NewBorder(panelTitle(lang.L("ui.nearby.title")), container.NewPadded(bottom), nil, nil,
		container.NewStack(w.peerScroll, w.peerEmpty))
	return w.nearby
}

// peerEmptyState helps when no device shows up, which on a new network is
// the first thing most people see.
func (g *GUI) peerEmptyState() fyne.CanvasObject {
	icon := widget.NewIcon(theme.SearchIcon())
	title := widget.NewLabel(lang.L("ui.nearby.empty.title"))
	title.TextStyle.Bold = true
	title.Alignment = fyne.TextAlignCenter
	help := newWrappedCaption(lang.L("ui.nearby.empty.help"), fyne.TextAlignCenter)
	iconBox := container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(48), icon))
	return container.NewVBox(layout.NewSpacer(), iconBox, title, help, layout.NewSpacer())
}

func (g *GUI) refreshPeers() {
	w := &g.w
	if w.peerBox == nil {
		return
	}
	peers := g.sortedPeers()
	for len(w.peerRows) < len(peers) {
		w.peerRows = append(w.peerRows, newPeerRow(g.togglePeer))
	}
	w.peerRows = w.peerRows[:len(peers)]
	objs := make([]fyne.CanvasObject, 0, 2*len(peers))
	for i, p := range peers {
		w.peerRows[i].set(p, g.selected[p.ID])
		if i > 0 {
			objs = append(objs, widget.NewSeparator())
		}
		objs = append(objs, w.peerRows[i])
	}
	w.peerBox.Objects = objs
	w.peerBox.Refresh()
	setShown(w.peerEmpty, len(peers) == 0)
	setShown(w.peerScroll, len(peers) > 0)
	g.refreshSelectionHint()
	g.refreshRecipients()
}

func (g *GUI) refreshSelectionHint() {
	if g.w.selHint == nil {
		return
	}
	switch n := len(g.selectedIDs()); {
	case len(g.peers) == 0:
		setCaption(g.w.selHint, lang.L("ui.nearby.hint.none"))
	case n == 0:
		setCaption(g.w.selHint, lang.L("ui.nearby.hint.select"))
	default:
		setCaption(g.w.selHint, tr("ui.nearby.hint.selected", "Count", n))
	}
	// The hint may now wrap to another line: lay the panel out again.
	g.w.nearby.Refresh()
}

func (g *GUI) togglePeer(id string, on bool) {
	if on {
		g.selected[id] = true
	} else {
		delete(g.selected, id)
	}
	for _, r := range g.w.peerRows {
		if r.peer.ID == id {
			r.setSelected(on)
		}
	}
	g.refreshSelectionHint()
}

// peerBoxes reports where the device rows are, for planDrop.
func (g *GUI) peerBoxes() (view rowBox, rows []rowBox) {
	w := &g.w
	if w.peerScroll == nil || !w.peerScroll.Visible() {
		return rowBox{}, nil
	}
	d := g.app.Driver()
	view = rowBox{Pos: d.AbsolutePositionForObject(w.peerScroll), Size: w.peerScroll.Size()}
	for _, r := range w.peerRows {
		rows = append(rows, rowBox{ID: r.peer.ID, Pos: d.AbsolutePositionForObject(r), Size: r.Size()})
	}
	return view, rows
}

// peerRow is one nearby device: a check box to select it, its OS, name,
// badges and where it was last seen. Tapping anywhere on it toggles it.
type peerRow struct {
	widget.BaseWidget
	peer     PeerInfo
	selected bool
	hovered  bool
	onToggle func(id string, on bool)

	check  *widget.Check
	icon   *widget.Icon
	name   *widget.Label
	badge  *widget.Label
	detail *widget.RichText
}

func newPeerRow(onToggle func(string, bool)) *peerRow {
	r := &peerRow{onToggle: onToggle}
	r.check = widget.NewCheck("", func(on bool) {
		if on != r.selected {
			r.selected = on
			r.onToggle(r.peer.ID, on)
		}
	})
	r.icon = widget.NewIcon(theme.ComputerIcon())
	r.name = widget.NewLabel("")
	r.name.TextStyle.Bold = true
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.badge = widget.NewLabel("")
	r.detail = newCaption("")
	r.ExtendBaseWidget(r)
	return r
}

func (r *peerRow) set(p PeerInfo, selected bool) {
	r.peer = p
	r.selected = selected
	r.check.SetChecked(selected)
	r.icon.SetResource(osIcon(p.OS))
	r.name.SetText(p.Name)
	var badges []string
	var imp widget.Importance
	if p.Known {
		badges, imp = append(badges, lang.L("ui.peer.known")), widget.SuccessImportance
	} else {
		badges, imp = append(badges, lang.L("ui.peer.new")), widget.WarningImportance
	}
	if p.LocalSend {
		badges = append(badges, "LocalSend")
	}
	r.badge.SetText(strings.Join(badges, " · "))
	r.badge.Importance = imp
	r.badge.Refresh()
	// Discovery lists only devices that answer (a silent one is probed,
	// then removed), so every row here is online right now.
	parts := []string{}
	for _, s := range []string{p.Addr, osLabel(p.OS), lang.L("ui.peer.online")} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	setCaption(r.detail, strings.Join(parts, " · "))
	r.Refresh()
}

func (r *peerRow) setSelected(on bool) {
	r.selected = on
	r.check.SetChecked(on)
	r.Refresh()
}

// Tapped toggles the row, so the whole row is a target, not just the box.
func (r *peerRow) Tapped(*fyne.PointEvent) {
	r.check.SetChecked(!r.selected)
}

// MouseIn highlights the row under the pointer. Fyne 2.7 reports no drag
// over a window (SetOnDropped fires only at the drop), but on X11 GLFW
// turns a drag's XdndPosition messages into pointer motion, so there the
// row a file would be dropped on lights up while dragging; on Wayland,
// Windows and macOS no motion arrives until the drop.
func (r *peerRow) MouseIn(*desktop.MouseEvent) {
	r.hovered = true
	r.Refresh()
}

func (r *peerRow) MouseMoved(*desktop.MouseEvent) {}

func (r *peerRow) MouseOut() {
	r.hovered = false
	r.Refresh()
}

func (r *peerRow) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(nil)
	hover := canvas.NewRectangle(nil)
	text := container.New(&tightVBox{}, container.NewBorder(nil, nil, nil, r.badge, r.name), r.detail)
	content := container.NewBorder(nil, nil, container.NewHBox(r.check, r.icon), nil, text)
	return &peerRowRenderer{row: r, bg: bg, hover: hover, content: content}
}

type peerRowRenderer struct {
	row     *peerRow
	bg      *canvas.Rectangle
	hover   *canvas.Rectangle
	content *fyne.Container
}

func (p *peerRowRenderer) Layout(s fyne.Size) {
	p.bg.Resize(s)
	p.hover.Resize(s)
	p.content.Resize(s)
}

func (p *peerRowRenderer) MinSize() fyne.Size { return p.content.MinSize() }

func (p *peerRowRenderer) Refresh() {
	th := p.row.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	p.bg.FillColor = th.Color(theme.ColorNameSelection, v)
	p.bg.CornerRadius = th.Size(theme.SizeNameSelectionRadius)
	p.bg.Hidden = !p.row.selected
	p.bg.Refresh()
	p.hover.FillColor = th.Color(theme.ColorNameHover, v)
	p.hover.CornerRadius = p.bg.CornerRadius
	p.hover.Hidden = !p.row.hovered || p.row.peer.ID == ""
	p.hover.Refresh()
	p.content.Refresh()
}

func (p *peerRowRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{p.bg, p.hover, p.content}
}

func (p *peerRowRenderer) Destroy() {}

// osIcon picks a theme icon for a device's operating system.
func osIcon(goos string) fyne.Resource {
	switch goos {
	case "android", "ios":
		return phoneIcon()
	}
	return theme.ComputerIcon()
}

// phoneIcon is a handset outline; the theme has none. Themed, so it takes
// the foreground colour like the theme's own icons.
func phoneIcon() fyne.Resource {
	return theme.NewThemedResource(fyne.NewStaticResource("phone.svg", []byte(
		`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#000" d="M16 1H8C6.3 1 5 2.3 5 4v16c0 1.7 1.3 3 3 3h8c1.7 0 3-1.3 3-3V4c0-1.7-1.3-3-3-3zm1 17H7V5h10v13zm-5 3.5a1.2 1.2 0 1 1 0-2.4 1.2 1.2 0 0 1 0 2.4z"/></svg>`)))
}

// SelectPeers ticks the given devices, as the person would, replacing the
// current selection. Call it on the UI thread.
func (g *GUI) SelectPeers(ids ...string) {
	g.selected = map[string]bool{}
	for _, id := range ids {
		g.selected[id] = true
	}
	g.refreshPeers()
}
