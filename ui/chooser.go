package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// chooser picks several files, or several folders, in one go where the
// desktop offers no native chooser (see portal.go). Fyne's own file
// dialog takes one item, and a double-click on a folder there opens it and
// lets the second click select whatever lands under the pointer; its
// folder mode offers the folder it opens in as the answer. Here:
//   - a click ticks a file (files mode) or a folder (folders mode), and
//     the ticks survive moving between folders;
//   - a double-click on a folder opens it and ticks nothing; in files mode
//     a single click opens a folder too;
//   - nothing is ticked at first, and Choose waits for a tick.
type chooser struct {
	g       *GUI
	folders bool // pick folders instead of files
	dir     string
	entries []chooserEntry
	ticked  []string // in the order ticked

	list   *widget.List
	where  *widget.Label
	status *widget.RichText
	choose *keyButton
	dlg    *dialog.CustomDialog
}

type chooserEntry struct {
	name string
	dir  bool
	size int64
}

// chooseFiles opens the chooser; done gets the ticked paths (none when the
// person cancels).
func (g *GUI) chooseFiles(folders bool, start string, done func(paths []string)) *chooser {
	c := &chooser{g: g, folders: folders}
	c.where = widget.NewLabel("")
	c.where.Truncation = fyne.TextTruncateEllipsis
	c.status = newCaption("")
	c.list = widget.NewList(
		func() int { return len(c.entries) },
		func() fyne.CanvasObject { return newChooserRow(c) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(c.entries) {
				o.(*chooserRow).set(i, c.entries[i])
			}
		})
	// From the keyboard (Tab into the list, arrows, Space) a row is
	// selected rather than tapped: it acts as a click. Mouse clicks reach
	// the rows themselves.
	c.list.OnSelected = func(i widget.ListItemID) {
		c.list.Unselect(i)
		c.tapped(i)
	}
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { c.open(filepath.Dir(c.dir)) })
	home := widget.NewButtonWithIcon("", theme.HomeIcon(), func() { c.open(homeDir()) })
	top := container.NewBorder(nil, nil, container.NewHBox(up, home), nil, c.where)

	title := lang.L("ui.chooser.files")
	if folders {
		title = lang.L("ui.chooser.folders")
	}
	c.dlg = dialog.NewCustomWithoutButtons(title,
		container.NewBorder(top, c.status, nil, nil, c.list), g.win)
	cancel := newKeyButton(g, lang.L("ui.dialog.cancel"), theme.CancelIcon(), func() { c.dlg.Hide() })
	c.choose = newKeyButton(g, lang.L("ui.chooser.choose"), theme.ConfirmIcon(), func() {
		if len(c.ticked) == 0 {
			return
		}
		picked := slices.Clone(c.ticked)
		c.dlg.Hide()
		done(picked)
	})
	c.choose.Importance = widget.HighImportance
	c.dlg.SetButtons([]fyne.CanvasObject{cancel, c.choose})
	if start == "" {
		start = homeDir()
	}
	c.open(start)
	s := g.win.Canvas().Size()
	c.dlg.Resize(fyne.NewSize(s.Width*0.9, s.Height*0.9))
	c.dlg.Show()
	g.bindKeys(func() { c.choose.OnTapped() }, c.dlg.Hide)
	return c
}

// open lists dir; a folder that cannot be read says so and stays empty.
func (c *chooser) open(dir string) {
	c.dir = dir
	c.where.SetText(dir)
	c.entries = nil
	list, err := os.ReadDir(dir)
	for _, e := range list {
		if strings.HasPrefix(e.Name(), ".") {
			continue // hidden, as file managers show them by default
		}
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			if fi, err := os.Stat(filepath.Join(dir, e.Name())); err == nil {
				isDir = fi.IsDir()
			}
		}
		if c.folders && !isDir {
			continue
		}
		var size int64
		if info, err := e.Info(); err == nil && !isDir {
			size = info.Size()
		}
		c.entries = append(c.entries, chooserEntry{name: e.Name(), dir: isDir, size: size})
	}
	slices.SortFunc(c.entries, func(a, b chooserEntry) int {
		if a.dir != b.dir {
			if a.dir {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
	})
	c.list.UnselectAll()
	c.list.ScrollToTop()
	c.list.Refresh()
	if err != nil {
		setCaption(c.status, tr("ui.chooser.unreadable", "Path", dir))
		c.status.Show()
		return
	}
	c.updateStatus()
}

func (c *chooser) path(e chooserEntry) string { return filepath.Join(c.dir, e.name) }

func (c *chooser) selectable(e chooserEntry) bool { return e.dir == c.folders }

func (c *chooser) toggle(e chooserEntry) {
	p := c.path(e)
	if i := slices.Index(c.ticked, p); i >= 0 {
		c.ticked = slices.Delete(c.ticked, i, i+1)
	} else {
		c.ticked = append(c.ticked, p)
	}
	c.list.Refresh()
	c.updateStatus()
}

func (c *chooser) updateStatus() {
	switch n := len(c.ticked); {
	case n == 0 && c.folders:
		setCaption(c.status, lang.L("ui.chooser.hint.folders"))
	case n == 0:
		setCaption(c.status, lang.L("ui.chooser.hint.files"))
	default:
		setCaption(c.status, tr("ui.chooser.ticked", "Count", n))
	}
	c.status.Show()
	if len(c.ticked) == 0 {
		c.choose.Disable()
	} else {
		c.choose.Enable()
	}
}

// tapped is a single click on entry i.
func (c *chooser) tapped(i int) {
	if i >= len(c.entries) {
		return
	}
	e := c.entries[i]
	switch {
	case c.selectable(e):
		c.toggle(e)
	case e.dir:
		c.open(c.path(e))
	}
}

// doubleTapped opens a folder and ticks nothing; on a file it is a click.
func (c *chooser) doubleTapped(i int) {
	if i >= len(c.entries) {
		return
	}
	if e := c.entries[i]; e.dir {
		c.open(c.path(e))
		return
	}
	c.tapped(i)
}

// chooserRow is one entry. It takes double-clicks itself, so Fyne sends
// a double-click as one DoubleTapped, never as two taps.
type chooserRow struct {
	widget.BaseWidget
	c     *chooser
	i     int
	check *widget.Check
	icon  *widget.Icon
	name  *widget.Label
	size  *widget.RichText
}

func newChooserRow(c *chooser) *chooserRow {
	r := &chooserRow{c: c}
	r.check = widget.NewCheck("", nil)
	r.icon = widget.NewIcon(theme.FileIcon())
	r.name = widget.NewLabel("")
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.size = newCaption("")
	r.size.Truncation = fyne.TextTruncateOff
	r.ExtendBaseWidget(r)
	return r
}

func (r *chooserRow) set(i int, e chooserEntry) {
	r.i = i
	r.name.SetText(e.name)
	sel := r.c.selectable(e)
	r.check.OnChanged = nil
	r.check.SetChecked(sel && slices.Contains(r.c.ticked, r.c.path(e)))
	r.check.OnChanged = func(bool) { r.c.tapped(r.i) }
	setShown(r.check, sel)
	if e.dir {
		r.icon.SetResource(theme.FolderIcon())
		setCaption(r.size, "")
	} else {
		r.icon.SetResource(theme.FileIcon())
		setCaption(r.size, formatBytes(e.size))
	}
}

func (r *chooserRow) Tapped(*fyne.PointEvent)       { r.c.tapped(r.i) }
func (r *chooserRow) DoubleTapped(*fyne.PointEvent) { r.c.doubleTapped(r.i) }

func (r *chooserRow) CreateRenderer() fyne.WidgetRenderer {
	// The check keeps its place when hidden, so names line up.
	left := container.NewHBox(minWidth(r.check.MinSize().Width, r.check), r.icon)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, left, r.size, r.name))
}

func homeDir() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return string(filepath.Separator)
}
