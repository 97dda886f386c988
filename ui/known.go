package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// knownScreen lists trusted devices: rename, forget, auto-accept.
func (g *GUI) knownScreen() fyne.CanvasObject {
	devices := g.b.KnownDevices()
	if len(devices) == 0 {
		return g.body(lang.L("ui.known.title"),
			emptyState(theme.AccountIcon(), lang.L("ui.known.empty.title"), lang.L("ui.known.empty.help")))
	}
	list := widget.NewList(
		func() int { return len(devices) },
		func() fyne.CanvasObject { return newKnownRow(g) },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*knownRow).set(devices[i]) })
	list.OnSelected = func(widget.ListItemID) { list.UnselectAll() }
	g.w.knownList = list
	return g.body(lang.L("ui.known.title"), list)
}

type knownRow struct {
	widget.BaseWidget
	g      *GUI
	d      KnownDevice
	icon   *widget.Icon
	name   *widget.Label
	detail *widget.RichText
	auto   *widget.Check
	rename *widget.Button
	forget *widget.Button
}

func newKnownRow(g *GUI) *knownRow {
	r := &knownRow{g: g}
	r.icon = widget.NewIcon(theme.ComputerIcon())
	r.name = widget.NewLabel("")
	r.name.TextStyle.Bold = true
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.detail = newCaption("")
	r.auto = widget.NewCheck(lang.L("ui.known.autoaccept"), nil)
	r.rename = widget.NewButtonWithIcon(lang.L("ui.known.rename"), theme.DocumentCreateIcon(), func() { g.renameKnown(r.d) })
	r.forget = widget.NewButtonWithIcon(lang.L("ui.known.forget"), theme.DeleteIcon(), func() { g.forgetKnown(r.d) })
	r.rename.Importance = widget.LowImportance
	r.forget.Importance = widget.LowImportance
	r.ExtendBaseWidget(r)
	return r
}

func (r *knownRow) CreateRenderer() fyne.WidgetRenderer {
	text := container.New(&tightVBox{}, r.name, r.detail)
	right := container.NewHBox(r.auto, r.rename, r.forget)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.icon, right, text))
}

func (r *knownRow) set(d KnownDevice) {
	r.d = d
	r.icon.SetResource(osIcon(d.OS))
	r.name.SetText(d.Name)
	parts := []string{shortID(d.ID)}
	seen := formatAgo(d.LastSeen, r.g.opt.now())
	if _, nearby := r.g.peers[d.ID]; nearby {
		seen = lang.L("ui.peer.online") // there now, not "2 min ago"
	}
	for _, s := range []string{d.LastAddr, seen} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	setCaption(r.detail, strings.Join(parts, " · "))
	r.auto.OnChanged = nil
	r.auto.SetChecked(d.AutoAccept)
	r.auto.OnChanged = func(on bool) { r.g.setAutoAccept(r.d.ID, on) }
}

// shortID shows the start and end of a device ID, enough to compare by eye.
func shortID(id string) string {
	if len(id) <= 12 {
		return id
	}
	return id[:6] + "…" + id[len(id)-4:]
}

func (g *GUI) setAutoAccept(id string, on bool) {
	g.opt.background(func() func() {
		if err := g.b.SetAutoAccept(id, on); err != nil {
			return func() { g.showError(lang.L("ui.error.known.title"), err); g.show(screenKnown) }
		}
		return nil
	})
}

func (g *GUI) renameKnown(d KnownDevice) {
	entry := widget.NewEntry()
	entry.SetText(d.Name)
	items := []*widget.FormItem{widget.NewFormItem(lang.L("ui.known.newname"), entry)}
	dlg := dialog.NewForm(tr("ui.known.rename.title", "Name", d.Name), lang.L("ui.known.rename"), lang.L("ui.dialog.cancel"), items,
		func(ok bool) {
			name := strings.TrimSpace(entry.Text)
			if !ok || name == "" || name == d.Name {
				return
			}
			g.opt.background(func() func() {
				err := g.b.RenameKnown(d.ID, name)
				return func() {
					if err != nil {
						g.showError(lang.L("ui.error.known.title"), err)
					}
					g.show(screenKnown)
				}
			})
		}, g.win)
	dlg.Resize(fyne.NewSize(400, 0))
	dlg.Show()
	g.win.Canvas().Focus(entry)
}

func (g *GUI) forgetKnown(d KnownDevice) {
	c := dialog.NewConfirm(tr("ui.known.forget.title", "Name", d.Name), tr("ui.known.forget.body", "Name", d.Name),
		func(ok bool) {
			if !ok {
				return
			}
			g.opt.background(func() func() {
				err := g.b.ForgetKnown(d.ID)
				return func() {
					if err != nil {
						g.showError(lang.L("ui.error.known.title"), err)
					}
					g.show(screenKnown)
				}
			})
		}, g.win)
	c.SetConfirmText(lang.L("ui.known.forget"))
	c.SetConfirmImportance(widget.DangerImportance)
	c.Show()
}
