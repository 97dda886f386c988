package ui

// Entry points for cmd/lempar-shots, which drives the real window from
// outside the package. Call them on the UI thread.

// ShowSendSheet opens the send dialog for paths, as after choosing them.
func (g *GUI) ShowSendSheet(paths ...string) { g.sendSheet(paths) }

// ShowSendText opens Send text with text typed in.
func (g *GUI) ShowSendText(text string) {
	g.sendTextDialog()
	if e, ok := g.win.Canvas().Focused().(*keyEntry); ok {
		e.SetText(text)
	}
}

// ShowChooser opens Lempar's own chooser in dir with the named entries
// ticked, as the person would have.
func (g *GUI) ShowChooser(folders bool, dir string, tick ...string) {
	c := g.chooseFiles(folders, dir, func([]string) {})
	for _, name := range tick {
		for i, e := range c.entries {
			if e.name == name {
				c.tapped(i)
			}
		}
	}
}

// CloseDialogs closes every open dialog.
func (g *GUI) CloseDialogs() {
	c := g.win.Canvas()
	for top := c.Overlays().Top(); top != nil; top = c.Overlays().Top() {
		top.Hide()
		c.Overlays().Remove(top)
	}
}

// ShowMain goes back to the main screen.
func (g *GUI) ShowMain() { g.show(screenMain) }

// ShowSettings opens the settings screen with the backend's settings.
func (g *GUI) ShowSettings() {
	g.settings = g.b.Settings()
	g.show(screenSettings)
}

// ShowShare opens the share sheet for paths, as after Share via link….
func (g *GUI) ShowShare(paths ...string) { g.shareLink(paths) }
