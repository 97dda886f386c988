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

// pinDialog asks for the PIN a receiver (a LocalSend app) wants before it
// takes an outgoing transfer. There is one per waiting transfer.
type pinDialog struct {
	req    PINRequested
	dlg    *dialog.CustomDialog
	entry  *keyEntry
	wrong  *widget.Label
	send   *widget.Button
	cancel *widget.Button
}

// askPIN opens the PIN dialog for r, or updates the one already open for
// its transfer (a replayed request, or a refused PIN).
func (g *GUI) askPIN(r PINRequested) {
	if d, ok := g.pins[r.Transfer]; ok {
		d.update(r)
		return
	}
	d := g.newPINDialog(r)
	g.pins[r.Transfer] = d
	g.refreshTransferRow(r.Transfer) // "Waiting for PIN"
	// The send waits on the person: bring the window back from the tray.
	g.win.Show()
	g.win.RequestFocus()
	d.dlg.Show()
	g.bindKeys(func() {
		if !d.send.Disabled() {
			g.answerPIN(d, true)
		}
	}, func() { g.answerPIN(d, false) })
	g.win.Canvas().Focus(d.entry)
}

func (g *GUI) newPINDialog(r PINRequested) *pinDialog {
	d := &pinDialog{req: r}
	help := widget.NewLabel(tr("ui.pin.help", "Peer", r.Peer))
	help.Wrapping = fyne.TextWrapWord
	d.entry = newKeyEntry(g, false) // Esc gives up, like Cancel
	d.entry.Password = true
	d.entry.SetPlaceHolder(lang.L("ui.pin.placeholder"))
	// The line for a refused PIN keeps its room while empty, so the dialog
	// does not jump when it appears.
	d.wrong = widget.NewLabel("")
	d.wrong.Importance = widget.DangerImportance
	d.wrong.Wrapping = fyne.TextWrapWord
	d.setWrong(r.Wrong)

	content := container.NewVBox(help, d.entry, d.wrong)
	d.dlg = dialog.NewCustomWithoutButtons(tr("ui.pin.title", "Peer", r.Peer), content, g.win)
	d.cancel = widget.NewButtonWithIcon(lang.L("ui.dialog.cancel"), theme.CancelIcon(), func() { g.answerPIN(d, false) })
	d.send = widget.NewButtonWithIcon(lang.L("ui.pin.send"), theme.MailSendIcon(), func() { g.answerPIN(d, true) })
	d.send.Importance = widget.HighImportance
	d.send.Disable()
	d.entry.OnChanged = func(s string) {
		if strings.TrimSpace(s) == "" {
			d.send.Disable()
		} else {
			d.send.Enable()
		}
	}
	d.entry.OnSubmitted = func(string) { g.answerPIN(d, true) }
	d.dlg.SetButtons([]fyne.CanvasObject{d.cancel, d.send})
	d.dlg.Resize(fyne.NewSize(440, 0))
	return d
}

// update shows a newer request for the same transfer in the open dialog.
func (d *pinDialog) update(r PINRequested) {
	if r.Wrong && !d.req.Wrong {
		d.entry.SetText("")
	}
	d.req = r
	d.setWrong(r.Wrong)
}

func (d *pinDialog) setWrong(wrong bool) {
	if wrong {
		d.wrong.SetText(lang.L("ui.pin.wrong"))
	} else {
		d.wrong.SetText("")
	}
}

// answerPIN sends the typed PIN (ok) or gives up (!ok), which cancels the
// transfer.
func (g *GUI) answerPIN(d *pinDialog, ok bool) {
	id := d.req.Transfer
	if g.pins[id] != d {
		return
	}
	pin := d.entry.Text
	if ok && strings.TrimSpace(pin) == "" {
		return // Enter in an empty field
	}
	delete(g.pins, id)
	d.dlg.Hide()
	g.refreshTransferRow(id)
	g.opt.background(func() func() {
		err := g.b.AnswerPIN(id, pin, ok)
		if err != nil && ok {
			// Giving up on a transfer that already ended needs no message.
			return func() { g.showError(lang.L("ui.error.pin.title"), err) }
		}
		return nil
	})
}

// closePIN closes the dialog of a transfer that ended while it was open.
func (g *GUI) closePIN(id string) {
	if d, ok := g.pins[id]; ok {
		delete(g.pins, id)
		d.dlg.Hide()
		g.refreshTransferRow(id)
	}
}

// refreshTransferRow redraws a transfer's row, whose state line says when
// it waits for a PIN.
func (g *GUI) refreshTransferRow(id string) {
	if i := g.transferIndex(id); i >= 0 && g.w.transferList != nil {
		g.w.transferList.RefreshItem(i)
	}
}
