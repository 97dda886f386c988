package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// Fyne's dialogs answer neither Enter nor Esc. A key reaches the window's
// canvas only when no widget has focus, so the canvas hands Enter and Esc
// to the dialog on top (dialogKey), and the focusable widgets our dialogs
// use (keyButton, keyEntry) pass Esc on to it and take Enter themselves.

// keyBinding is what Enter and Esc do while overlay is the top dialog.
type keyBinding struct {
	overlay    fyne.CanvasObject
	enter, esc func()
}

// bindKeys gives the dialog just shown (the top overlay) its Enter and Esc
// actions; either may be nil.
func (g *GUI) bindKeys(enter, esc func()) {
	top := g.win.Canvas().Overlays().Top()
	if top == nil {
		return
	}
	g.prune()
	g.keys = append(g.keys, keyBinding{overlay: top, enter: enter, esc: esc})
}

// prune forgets bindings of dialogs that are gone.
func (g *GUI) prune() {
	open := map[fyne.CanvasObject]bool{}
	for _, o := range g.win.Canvas().Overlays().List() {
		open[o] = true
	}
	kept := g.keys[:0]
	for _, k := range g.keys {
		if open[k.overlay] {
			kept = append(kept, k)
		}
	}
	g.keys = kept
}

// dialogKey runs the top dialog's action for Enter or Esc and reports
// whether there was one.
func (g *GUI) dialogKey(name fyne.KeyName) bool {
	top := g.win.Canvas().Overlays().Top()
	if top == nil {
		return false
	}
	for i := len(g.keys) - 1; i >= 0; i-- {
		k := g.keys[i]
		if k.overlay != top {
			continue
		}
		switch {
		case (name == fyne.KeyReturn || name == fyne.KeyEnter) && k.enter != nil:
			k.enter()
			return true
		case name == fyne.KeyEscape && k.esc != nil:
			k.esc()
			return true
		}
		return false
	}
	return false
}

// keyButton is a button that Enter also presses when it has focus (Fyne's
// takes only Space), and that passes Esc on to its dialog.
type keyButton struct {
	widget.Button
	g *GUI
}

func newKeyButton(g *GUI, label string, icon fyne.Resource, tapped func()) *keyButton {
	b := &keyButton{g: g}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

func (b *keyButton) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if !b.Disabled() && b.OnTapped != nil {
			b.OnTapped()
		}
	case fyne.KeyEscape:
		b.g.dialogKey(e.Name)
	default:
		b.Button.TypedKey(e)
	}
}

// keyEntry is a text field for dialogs: Esc goes to its dialog, Tab always
// moves on (a multi-line one would type a tab), and Ctrl+Enter submits a
// multi-line one, where Enter starts a new line.
type keyEntry struct {
	widget.Entry
	g      *GUI
	submit func() // Ctrl+Enter
}

func newKeyEntry(g *GUI, multiLine bool) *keyEntry {
	e := &keyEntry{g: g}
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapWord
	}
	e.ExtendBaseWidget(e)
	return e
}

// AcceptsTab is false so that Tab leaves the field, as in every other one.
func (e *keyEntry) AcceptsTab() bool { return false }

func (e *keyEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		e.g.dialogKey(k.Name)
		return
	}
	e.Entry.TypedKey(k)
}

func (e *keyEntry) TypedShortcut(s fyne.Shortcut) {
	if c, ok := s.(*desktop.CustomShortcut); ok && e.submit != nil &&
		(c.KeyName == fyne.KeyReturn || c.KeyName == fyne.KeyEnter) &&
		(c.Modifier == fyne.KeyModifierControl || c.Modifier == fyne.KeyModifierShortcutDefault) {
		e.submit()
		return
	}
	e.Entry.TypedShortcut(s)
}
