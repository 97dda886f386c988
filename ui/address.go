package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// addTimeout is how long Add by address waits for an answer: a device on
// the same network answers within a second, so after this the address is
// wrong or Lempar is not running there.
const addTimeout = 5 * time.Second

// errAddTimeout is the cause of an Add by address that nobody answered.
var errAddTimeout = errors.New("no answer in time")

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
	d.Resize(fyne.NewSize(min(440, g.win.Canvas().Size().Width*0.9), 0))
	d.Show()
	entry.OnSubmitted = func(string) { d.Submit() } // Submit validates first
	g.bindKeys(d.Submit, d.Dismiss)
	g.win.Canvas().Focus(entry)
}

// addByAddress connects to addr for at most addTimeout; the person may
// cancel sooner. Either way the backend's call is cancelled through its
// context, so nothing goes on connecting behind the window.
func (g *GUI) addByAddress(addr string) {
	ctx, cancel := context.WithCancelCause(context.Background())
	wait := dialog.NewCustomWithoutButtons(lang.L("ui.add.title"),
		container.NewVBox(widget.NewLabel(tr("ui.add.connecting", "Addr", addr)), widget.NewProgressBarInfinite()), g.win)
	stop := newKeyButton(g, lang.L("ui.dialog.cancel"), theme.CancelIcon(), func() { cancel(context.Canceled) })
	wait.SetButtons([]fyne.CanvasObject{stop})
	wait.Show()
	g.bindKeys(nil, func() { cancel(context.Canceled) })
	g.opt.after(addTimeout, func() { cancel(errAddTimeout) })
	g.opt.background(func() func() {
		p, err := g.b.AddByAddress(ctx, addr)
		cause := context.Cause(ctx)
		cancel(nil)
		return func() {
			wait.Hide()
			switch {
			case errors.Is(cause, context.Canceled):
				// The person cancelled: nothing to tell, nothing added.
			case err == nil:
				g.peers[p.ID] = p
				g.selected[p.ID] = true
				g.refreshPeers()
			case errors.Is(cause, errAddTimeout):
				g.showError(lang.L("ui.add.failed"), errors.New(tr("ui.add.timeout", "Addr", addr, "Seconds", int(addTimeout/time.Second))))
			default:
				g.showError(lang.L("ui.add.failed"), err)
			}
		}
	})
}
