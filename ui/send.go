package ui

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// onDropped is the window's drop handler.
func (g *GUI) onDropped(pos fyne.Position, uris []fyne.URI) {
	paths := localPaths(uris)
	if len(paths) == 0 {
		return
	}
	if g.screen != screenMain {
		g.show(screenMain)
	}
	view, rows := g.peerBoxes()
	plan := planDrop(pos, view, rows, g.selectedIDs())
	if plan.Ask {
		g.chooseTargets(func(ids []string) { g.sendPaths(ids, paths) })
		return
	}
	g.sendPaths(plan.Targets, paths)
}

// withTargets runs send with the selected devices, or asks for some.
func (g *GUI) withTargets(send func(ids []string)) {
	if ids := g.selectedIDs(); len(ids) > 0 {
		send(ids)
		return
	}
	g.chooseTargets(send)
}

// chooseTargets asks which devices should receive, when none is selected.
func (g *GUI) chooseTargets(send func(ids []string)) {
	peers := g.sortedPeers()
	if len(peers) == 0 {
		dialog.NewInformation(lang.L("ui.choose.none.title"), lang.L("ui.choose.none.body"), g.win).Show()
		return
	}
	names := make([]string, len(peers))
	for i, p := range peers {
		names[i] = p.Name
		if p.Addr != "" {
			names[i] += " (" + p.Addr + ")"
		}
	}
	group := widget.NewCheckGroup(names, nil)
	if len(peers) == 1 {
		group.SetSelected(names[:1])
	}
	content := container.NewVBox(widget.NewLabel(lang.L("ui.choose.body")), group)
	d := dialog.NewCustomConfirm(lang.L("ui.choose.title"), lang.L("ui.choose.send"), lang.L("ui.dialog.cancel"),
		content, func(ok bool) {
			if !ok {
				return
			}
			var ids []string
			for i, n := range names {
				for _, s := range group.Selected {
					if s == n {
						ids = append(ids, peers[i].ID)
					}
				}
			}
			if len(ids) > 0 {
				send(ids)
			}
		}, g.win)
	d.Show()
	g.bindKeys(d.Confirm, d.Dismiss)
}

func (g *GUI) sendPaths(ids, paths []string) {
	g.opt.background(func() func() {
		if err := g.b.SendPaths(ids, paths); err != nil {
			return func() { g.showError(lang.L("ui.error.send.title"), err) }
		}
		return nil
	})
}

func (g *GUI) sendFilesDialog() { g.pickFile(nil) }

// pickFile adds one file to picked. Fyne's file chooser takes one file at a
// time, so the files collect in a basket that can take more.
func (g *GUI) pickFile(picked []string) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			if len(picked) > 0 {
				g.fileBasket(picked)
			}
			return
		}
		p := r.URI().Path()
		_ = r.Close()
		if !slices.Contains(picked, p) {
			picked = append(picked, p)
		}
		g.fileBasket(picked)
	}, g.win)
	d.SetConfirmText(lang.L("ui.basket.pick"))
	if n := len(picked); n > 0 {
		if l, err := storage.ListerForURI(storage.NewFileURI(filepath.Dir(picked[n-1]))); err == nil {
			d.SetLocation(l)
		}
	}
	g.fitFileDialog(d)
	d.Show()
	g.bindKeys(nil, d.Dismiss)
}

// fileBasket lists the files picked so far: send them, or add another.
func (g *GUI) fileBasket(paths []string) {
	list := container.NewVBox()
	for _, p := range paths {
		name := widget.NewLabel(filepath.Base(p))
		name.Truncation = fyne.TextTruncateEllipsis
		list.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), nil,
			container.New(&tightVBox{}, name, newCaption(filepath.Dir(p)))))
	}
	scroll := container.NewVScroll(list)
	scroll.SetMinSize(fyne.NewSize(480, min(list.MinSize().Height, 260)))
	d := dialog.NewCustomWithoutButtons(lang.L("ui.basket.title"), scroll, g.win)
	cancel := newKeyButton(g, lang.L("ui.dialog.cancel"), theme.CancelIcon(), d.Hide)
	add := newKeyButton(g, lang.L("ui.basket.add"), theme.ContentAddIcon(), func() {
		d.Hide()
		g.pickFile(paths)
	})
	send := newKeyButton(g, lang.L("ui.choose.send"), theme.MailSendIcon(), func() {
		d.Hide()
		g.withTargets(func(ids []string) { g.sendPaths(ids, paths) })
	})
	send.Importance = widget.HighImportance
	d.SetButtons([]fyne.CanvasObject{cancel, add, send})
	d.Show()
	g.bindKeys(send.OnTapped, d.Hide)
}

func (g *GUI) sendFolderDialog() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil || u == nil {
			return
		}
		p := u.Path()
		g.withTargets(func(ids []string) { g.sendPaths(ids, []string{p}) })
	}, g.win)
	d.SetConfirmText(lang.L("ui.basket.pick"))
	g.fitFileDialog(d)
	d.Show()
	g.bindKeys(nil, d.Dismiss)
}

// chooseFolder asks for a folder, starting at the download folder.
func (g *GUI) chooseFolder(done func(path string)) {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err == nil && u != nil {
			done(u.Path())
		}
	}, g.win)
	if g.settings.DownloadDir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(g.settings.DownloadDir)); err == nil {
			d.SetLocation(l)
		}
	}
	g.fitFileDialog(d)
	d.Show()
	g.bindKeys(nil, d.Dismiss)
}

// fitFileDialog keeps the file chooser inside the window; its default size
// overflows a small window.
func (g *GUI) fitFileDialog(d *dialog.FileDialog) {
	s := g.win.Canvas().Size()
	d.Resize(fyne.NewSize(s.Width*0.9, s.Height*0.9))
}

func (g *GUI) sendTextDialog() {
	// Enter starts a new line, Ctrl+Enter sends, Tab moves on to the
	// buttons and Esc cancels.
	entry := newKeyEntry(g, true)
	entry.SetPlaceHolder(lang.L("ui.sendtext.placeholder"))
	entry.SetMinRowsVisible(6)
	d := dialog.NewCustomConfirm(lang.L("ui.sendtext.title"), lang.L("ui.choose.send"), lang.L("ui.dialog.cancel"),
		entry, func(ok bool) {
			text := entry.Text
			if !ok || strings.TrimSpace(text) == "" {
				return
			}
			g.withTargets(func(ids []string) {
				g.opt.background(func() func() {
					if err := g.b.SendText(ids, text); err != nil {
						return func() { g.showError(lang.L("ui.error.send.title"), err) }
					}
					return nil
				})
			})
		}, g.win)
	d.Resize(fyne.NewSize(480, 300))
	d.Show()
	entry.submit = d.Confirm
	g.bindKeys(d.Confirm, d.Dismiss)
	g.win.Canvas().Focus(entry)
}

// addByAddressDialog reaches a device that discovery cannot see, e.g. on a
// network that blocks multicast.
func (g *GUI) addByAddressDialog() {
	entry := newKeyEntry(g, false)
	entry.SetPlaceHolder(lang.L("ui.add.placeholder"))
	entry.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(lang.L("ui.add.empty"))
		}
		return nil
	}
	help := newWrappedCaption(lang.L("ui.add.help"), fyne.TextAlignLeading)
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("ui.add.address"), entry),
		widget.NewFormItem("", help),
	}
	d := dialog.NewForm(lang.L("ui.add.title"), lang.L("ui.add.connect"), lang.L("ui.dialog.cancel"), items, func(ok bool) {
		if ok {
			g.addByAddress(strings.TrimSpace(entry.Text))
		}
	}, g.win)
	d.Resize(fyne.NewSize(440, 0))
	d.Show()
	entry.OnSubmitted = func(string) { d.Submit() } // Submit validates first
	g.bindKeys(d.Submit, d.Dismiss)
	g.win.Canvas().Focus(entry)
}

func (g *GUI) addByAddress(addr string) {
	wait := dialog.NewCustomWithoutButtons(lang.L("ui.add.title"),
		container.NewVBox(widget.NewLabel(tr("ui.add.connecting", "Addr", addr)), widget.NewProgressBarInfinite()), g.win)
	wait.Show()
	g.opt.background(func() func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		p, err := g.b.AddByAddress(ctx, addr)
		return func() {
			wait.Hide()
			if err != nil {
				g.showError(lang.L("ui.add.failed"), err)
				return
			}
			g.peers[p.ID] = p
			g.selected[p.ID] = true
			g.refreshPeers()
		}
	})
}

// screenHeader is the bar on top of a secondary screen, with the way back.
func (g *GUI) screenHeader(title string) fyne.CanvasObject {
	back := widget.NewButtonWithIcon(lang.L("ui.back"), theme.NavigateBackIcon(), func() { g.show(screenMain) })
	t := widget.NewLabel(title)
	t.TextStyle.Bold = true
	t.SizeName = theme.SizeNameSubHeadingText
	return container.NewVBox(container.NewPadded(container.NewBorder(nil, nil, back, nil, t)), widget.NewSeparator())
}
