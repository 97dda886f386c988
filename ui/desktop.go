package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"

	"github.com/lempar/lempar/assets"
)

func appIcon() fyne.Resource {
	return fyne.NewStaticResource("lempar.png", assets.IconPNG)
}

// setupDesktop adds what a desktop offers: a tray menu so Lempar keeps
// receiving with its window closed, and keyboard shortcuts.
func (g *GUI) setupDesktop() {
	if g.tray() != nil {
		// Closing hides the window; receiving goes on and the tray brings it back.
		g.win.SetCloseIntercept(g.win.Hide)
	}
	c := g.win.Canvas()
	ctrl := fyne.KeyModifierShortcutDefault
	add := func(k fyne.KeyName, f func()) {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: ctrl}, func(fyne.Shortcut) { f() })
	}
	add(fyne.KeyO, g.sendFilesDialog)
	add(fyne.KeyT, g.sendTextDialog)
	add(fyne.KeyComma, func() { g.show(screenSettings) })
	add(fyne.KeyH, func() { g.show(screenHistory) })
	add(fyne.KeyQ, g.app.Quit)
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if g.dialogKey(e.Name) {
			return
		}
		if e.Name == fyne.KeyEscape && g.screen != screenMain {
			g.show(screenMain)
		}
	})
}

// updateTray (re)builds the tray menu in the current language.
func (g *GUI) updateTray() {
	d := g.tray()
	if d == nil {
		return
	}
	show := fyne.NewMenuItem(lang.L("ui.tray.show"), func() {
		g.win.Show()
		g.win.RequestFocus()
	})
	var vis []*fyne.MenuItem
	for _, v := range []Visibility{Visible, Visible10Min, Hidden} {
		item := fyne.NewMenuItem(visibilityLabel(v), func() { g.setVisibility(v) })
		item.Checked = g.self.Visibility == v
		vis = append(vis, item)
	}
	quit := fyne.NewMenuItem(lang.L("ui.menu.quit"), g.app.Quit)
	quit.IsQuit = true
	items := append([]*fyne.MenuItem{show, fyne.NewMenuItemSeparator()}, vis...)
	items = append(items, fyne.NewMenuItemSeparator(), quit)
	d.SetSystemTrayIcon(appIcon())
	d.SetSystemTrayMenu(fyne.NewMenu(lang.L("app.name"), items...))
}

// tray returns the app's tray support, or nil where there is none. On
// Linux and the BSDs the tray speaks D-Bus to a StatusNotifierWatcher:
// without a session bus, Fyne's systray fails to connect and then crashes
// on quit; without a watcher (stock GNOME) the icon is never shown. Either
// way a window hidden to the tray could never be shown again, so closing
// must quit and a background start must show the window. Asked once: the
// answer decides how the window was set up.
func (g *GUI) tray() desktop.App {
	d, ok := g.app.(desktop.App)
	if !ok {
		return nil
	}
	g.trayOnce.Do(func() { g.trayHost = trayHostPresent() })
	if !g.trayHost {
		return nil
	}
	return d
}

// HasTray reports whether the window can live in the tray: a window left
// hidden without one could never be shown.
func (g *GUI) HasTray() bool { return g.tray() != nil }

// BringForward shows the window and asks for focus: a second start of
// Lempar with the same settings lands here instead of running twice. Safe
// from any goroutine.
func (g *GUI) BringForward() {
	fyne.Do(func() {
		g.win.Show()
		g.win.RequestFocus()
	})
}
