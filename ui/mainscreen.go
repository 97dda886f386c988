package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// widgets holds what event handlers update in place. Nil fields belong to
// a screen that is not open.
type widgets struct {
	selfName   *widget.Label
	selfDetail *widget.RichText
	notice     *widget.Label // a problem others would hit reaching us (firewall)
	visIcon    *widget.Icon
	visibility *widget.Select
	// showingSelf is set while refreshSelf updates the visibility select.
	showingSelf bool

	nearby     *fyne.Container
	peerBox    *fyne.Container // rows of the nearby list
	peerScroll *container.Scroll
	peerRows   []*peerRow
	peerEmpty  fyne.CanvasObject
	selHint    *widget.RichText

	transferList  *widget.List
	measureRow    *transferRow // sizes rows of differing heights
	measuredAt    float32      // the list width the rows were sized for
	transferEmpty fyne.CanvasObject

	settingsForm *settingsWidgets
	knownList    *widget.List
	historyList  *widget.List
}

func (g *GUI) mainScreen() fyne.CanvasObject {
	split := container.NewHSplit(g.nearbyPanel(), g.transfersPanel())
	split.SetOffset(0.5)
	return container.NewBorder(g.topBar(), nil, nil, nil, split)
}

// topBar shows who this device is and how others see it.
func (g *GUI) topBar() fyne.CanvasObject {
	w := &g.w
	w.selfName = widget.NewLabel("")
	w.selfName.TextStyle.Bold = true
	w.selfName.SizeName = theme.SizeNameSubHeadingText
	w.selfName.Truncation = fyne.TextTruncateEllipsis
	w.selfDetail = newCaption("")
	w.notice = widget.NewLabel("")
	w.notice.Importance = widget.WarningImportance
	w.notice.Wrapping = fyne.TextWrapWord
	w.visIcon = widget.NewIcon(theme.VisibilityIcon())

	labels := visibilityLabels()
	w.visibility = widget.NewSelect(labels, nil)
	w.visibility.OnChanged = func(s string) {
		if w.showingSelf {
			return // the backend's state, not the person's choice
		}
		if v := visibilityFromLabel(s); v != "" && v != g.settings.Visibility {
			g.setVisibility(v)
		}
	}

	settings := widget.NewButtonWithIcon("", theme.SettingsIcon(), func() { g.show(screenSettings) })
	var menuBtn *widget.Button
	menuBtn = widget.NewButtonWithIcon("", theme.MenuIcon(), func() {
		widget.ShowPopUpMenuAtRelativePosition(g.appMenu(), g.win.Canvas(),
			fyne.NewPos(0, menuBtn.Size().Height), menuBtn)
	})
	g.refreshSelf()

	left := container.NewBorder(nil, nil, w.visIcon, nil,
		container.New(&tightVBox{}, w.selfName, w.selfDetail))
	right := container.NewHBox(minWidth(selectWidth(labels), w.visibility), settings, menuBtn)
	return container.NewVBox(
		container.NewPadded(container.NewBorder(nil, nil, nil, container.NewCenter(right), left)),
		w.notice,
		widget.NewSeparator())
}

// appMenu is the ☰ menu; the same places are reachable from the keyboard
// through the shortcuts in setupDesktop.
func (g *GUI) appMenu() *fyne.Menu {
	quit := fyne.NewMenuItem(lang.L("ui.menu.quit"), func() { g.app.Quit() })
	quit.IsQuit = true
	return fyne.NewMenu("",
		fyne.NewMenuItem(lang.L("ui.menu.history"), func() { g.show(screenHistory) }),
		fyne.NewMenuItem(lang.L("ui.menu.known"), func() { g.show(screenKnown) }),
		fyne.NewMenuItem(lang.L("ui.menu.settings"), func() { g.show(screenSettings) }),
		fyne.NewMenuItemSeparator(),
		quit,
	)
}

func (g *GUI) refreshSelf() {
	w := &g.w
	if w.selfName == nil {
		return
	}
	w.selfName.SetText(g.self.Name)
	detail := tr("ui.self.detail", "Fingerprint", g.self.Fingerprint, "Dir", g.settings.DownloadDir)
	if g.self.Visibility == Visible10Min && !g.self.VisibleUntil.IsZero() {
		detail += " · " + tr("ui.self.until", "Time", g.self.VisibleUntil.Format("15:04"))
	}
	setCaption(w.selfDetail, detail)
	w.notice.SetText(g.self.Notice)
	w.notice.Hidden = g.self.Notice == ""
	if g.self.Visibility == Hidden {
		w.visIcon.SetResource(theme.VisibilityOffIcon())
	} else {
		w.visIcon.SetResource(theme.VisibilityIcon())
	}
	w.showingSelf = true
	w.visibility.SetSelected(visibilityLabel(g.self.Visibility))
	w.showingSelf = false
}

// setVisibility saves a new visibility from the top bar or the tray.
func (g *GUI) setVisibility(v Visibility) {
	s := g.settings
	s.Visibility = v
	g.saveSettings(s, nil)
	g.self.Visibility = v
	g.refreshSelf()
	g.updateTray()
}

func visibilityLabels() []string {
	return []string{visibilityLabel(Visible), visibilityLabel(Visible10Min), visibilityLabel(Hidden)}
}

func visibilityLabel(v Visibility) string {
	switch v {
	case Hidden:
		return lang.L("ui.visibility.hidden")
	case Visible10Min:
		return lang.L("ui.visibility.10min")
	}
	return lang.L("ui.visibility.visible")
}

func visibilityFromLabel(s string) Visibility {
	for _, v := range []Visibility{Visible, Visible10Min, Hidden} {
		if visibilityLabel(v) == s {
			return v
		}
	}
	return ""
}

// panelTitle is the heading above the nearby and transfers lists.
func panelTitle(text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.TextStyle.Bold = true
	return l
}

// tightVBox stacks objects with no padding, for a title over its caption.
type tightVBox struct{}

func (tightVBox) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
	}
	return s
}

func (tightVBox) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h
	}
}
