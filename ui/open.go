package ui

import (
	"errors"
	"path/filepath"

	"fyne.io/fyne/v2/lang"

	"github.com/lempar/lempar/internal/opener"
)

// openFile opens a received file or folder with its default program, off
// the UI thread (a launcher may take a moment to say it failed).
func (g *GUI) openFile(p string) {
	if p == "" {
		return
	}
	g.opt.background(func() func() { return g.openFailed(opener.Open(p)) })
}

// revealFiles shows received items in the file manager, selected where it
// can; else their folder opens.
func (g *GUI) revealFiles(paths []string) {
	if len(paths) == 0 {
		return
	}
	g.opt.background(func() func() { return g.openFailed(opener.Reveal(paths)) })
}

// openFailed words an opener failure in the window's language, never as a
// raw Go error ("exec: xdg-open: not found").
func (g *GUI) openFailed(err error) func() {
	if err == nil {
		return nil
	}
	msg := lang.L("err.open.failed")
	var oe *opener.Error
	if errors.As(err, &oe) {
		msg = tr(oe.Key, "Path", oe.Path, "Name", filepath.Base(oe.Path))
	}
	return func() { g.showError(lang.L("ui.error.open.title"), errors.New(msg)) }
}
