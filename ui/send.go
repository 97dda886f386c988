package ui

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// pickRequest is what the desktop's file chooser is asked (portal.go).
type pickRequest struct {
	parent  string // the window, as "x11:<id>", so the chooser sits on it
	title   string
	accept  string
	start   string
	folders bool
}

// errNoPortal: the desktop has no file chooser to offer; Lempar's own
// chooser is used.
var errNoPortal = errors.New("no desktop file chooser")

func (g *GUI) sendFilesDialog()  { g.pick(false, nil) }
func (g *GUI) sendFolderDialog() { g.pick(true, nil) }

// pick asks for files (or folders) — through the desktop's chooser where
// it offers one, several at a time, else through Lempar's own — and opens
// the send sheet with them added to picked.
func (g *GUI) pick(folders bool, picked []string) {
	if g.picking {
		return // the desktop's chooser is open already
	}
	done := func(paths []string) {
		all := slices.Clone(picked)
		for _, p := range paths {
			if !slices.Contains(all, p) {
				all = append(all, p)
			}
		}
		if len(all) > 0 {
			if len(paths) > 0 {
				g.lastDir = filepath.Dir(paths[len(paths)-1])
			}
			g.sendSheet(all)
		}
	}
	if g.opt.native == nil || g.noPortal {
		g.chooseFiles(folders, g.lastDir, done)
		return
	}
	req := pickRequest{parent: g.windowHandle(), title: lang.L("ui.chooser.files"), accept: lang.L("ui.chooser.choose"),
		start: g.lastDir, folders: folders}
	if folders {
		req.title = lang.L("ui.chooser.folders")
	}
	g.picking = true
	native := g.opt.native
	g.opt.background(func() func() {
		paths, err := native(req)
		return func() {
			g.picking = false
			if errors.Is(err, errNoPortal) {
				g.noPortal = true // ask once per run, not at every click
				g.chooseFiles(folders, g.lastDir, done)
				return
			}
			done(paths) // nothing on cancel (err is always errNoPortal-wrapped)
		}
	})
}

// windowHandle names the window for the portal, on X11; elsewhere the
// chooser opens without a parent.
func (g *GUI) windowHandle() string {
	h := ""
	if nw, ok := g.win.(driver.NativeWindow); ok {
		nw.RunNative(func(ctx any) {
			if x, ok := ctx.(driver.X11WindowContext); ok && x.WindowHandle != 0 {
				h = "x11:" + strconv.FormatUint(uint64(x.WindowHandle), 16)
			}
		})
	}
	return h
}

// sendSheet is the last step before sending files or folders: what will be
// sent, to whom (Send waits for a ticked device), and a way to add more.
func (g *GUI) sendSheet(paths []string) {
	list := container.NewVBox()
	scroll := container.NewVScroll(list)
	title := lang.L("ui.basket.title.folders")
	show := func() {
		list.Objects = nil
		for _, p := range paths {
			icon := theme.FileIcon()
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				icon = theme.FolderIcon()
			} else {
				title = lang.L("ui.basket.title")
			}
			name := widget.NewLabel(filepath.Base(p))
			name.Truncation = fyne.TextTruncateEllipsis
			list.Add(container.NewBorder(nil, nil, widget.NewIcon(icon), nil,
				container.New(&tightVBox{}, name, newCaption(filepath.Dir(p)))))
		}
		list.Refresh()
		scroll.SetMinSize(fyne.NewSize(0, min(list.MinSize().Height, 180)))
	}
	show()
	to := g.newRecipients()
	d := dialog.NewCustomWithoutButtons(title,
		container.NewBorder(scroll, nil, nil, nil, container.NewPadded(to.view)), g.win)
	var send *keyButton
	cancel := newKeyButton(g, lang.L("ui.dialog.cancel"), theme.CancelIcon(), d.Hide)
	add := newKeyButton(g, lang.L("ui.basket.add"), theme.ContentAddIcon(), func() {
		d.Hide()
		g.pick(false, paths)
	})
	send = newKeyButton(g, lang.L("ui.choose.send"), theme.MailSendIcon(), func() {
		ids := to.ids()
		if len(ids) == 0 {
			return
		}
		d.Hide()
		g.sendPaths(ids, paths)
	})
	send.Importance = widget.HighImportance
	to.onChange = func() { setEnabled(send, len(to.ids()) > 0) }
	to.onChange()
	buttons := []fyne.CanvasObject{cancel, add, send}
	if g.canShare() { // or to any browser, by link (share.go)
		buttons = slices.Insert(buttons, 2, fyne.CanvasObject(newKeyButton(g, lang.L("ui.share.button"), theme.UploadIcon(), func() {
			d.Hide()
			g.shareLink(paths)
		})))
	}
	d.SetButtons(buttons)
	d.SetOnClosed(func() {
		to.close()
		if g.sheet != nil && g.sheet.dlg == d {
			g.sheet = nil
		}
	})
	d.Resize(fyne.NewSize(min(520, g.win.Canvas().Size().Width*0.9), 0))
	d.Show()
	// Items dropped on the window while this is open join it.
	g.sheet = &openSheet{dlg: d, overlay: g.win.Canvas().Overlays().Top(), add: func(more []string) {
		for _, p := range more {
			if !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
		}
		show()
	}}
	g.bindKeys(func() { send.OnTapped() }, d.Hide)
}

// openSheet is the send sheet on screen, for drops to join it.
type openSheet struct {
	dlg     *dialog.CustomDialog
	overlay fyne.CanvasObject
	add     func(paths []string)
}

func (g *GUI) sendPaths(ids, paths []string) {
	g.opt.background(func() func() {
		if err := g.b.SendPaths(ids, paths); err != nil {
			return func() { g.showError(lang.L("ui.error.send.title"), err) }
		}
		return nil
	})
}

func (g *GUI) sendTextDialog() {
	// Enter starts a new line, Ctrl+Enter sends, Tab moves on to the
	// devices and buttons, and Esc cancels.
	entry := newKeyEntry(g, true)
	entry.SetPlaceHolder(lang.L("ui.sendtext.placeholder"))
	entry.SetMinRowsVisible(5)
	to := g.newRecipients()
	d := dialog.NewCustomWithoutButtons(lang.L("ui.sendtext.title"),
		container.NewBorder(entry, nil, nil, nil, container.NewPadded(to.view)), g.win)
	cancel := newKeyButton(g, lang.L("ui.dialog.cancel"), theme.CancelIcon(), d.Hide)
	send := newKeyButton(g, lang.L("ui.choose.send"), theme.MailSendIcon(), nil)
	send.Importance = widget.HighImportance
	ready := func() bool { return len(to.ids()) > 0 && strings.TrimSpace(entry.Text) != "" }
	send.OnTapped = func() {
		if !ready() {
			return
		}
		ids, text := to.ids(), entry.Text
		d.Hide()
		g.opt.background(func() func() {
			if err := g.b.SendText(ids, text); err != nil {
				return func() { g.showError(lang.L("ui.error.send.title"), err) }
			}
			return nil
		})
	}
	to.onChange = func() { setEnabled(send, ready()) }
	entry.OnChanged = func(string) { to.onChange() }
	to.onChange()
	d.SetButtons([]fyne.CanvasObject{cancel, send})
	d.SetOnClosed(to.close)
	d.Resize(fyne.NewSize(min(520, g.win.Canvas().Size().Width*0.9), 0))
	d.Show()
	entry.submit = send.OnTapped
	g.bindKeys(send.OnTapped, d.Hide)
	g.win.Canvas().Focus(entry)
}

func setEnabled(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
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

// screenHeader is the bar on top of a secondary screen, with the way back.
func (g *GUI) screenHeader(title string) fyne.CanvasObject {
	back := widget.NewButtonWithIcon(lang.L("ui.back"), theme.NavigateBackIcon(), func() { g.show(screenMain) })
	t := widget.NewLabel(title)
	t.TextStyle.Bold = true
	t.SizeName = theme.SizeNameSubHeadingText
	return container.NewVBox(container.NewPadded(container.NewBorder(nil, nil, back, nil, t)), widget.NewSeparator())
}
