package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// recipients is the "Send to:" part of every send dialog: the nearby
// devices with a tick each, so the person sees who will receive before
// pressing Send. It starts with the devices ticked in the nearby list, or
// with the only device there is; its ticks are its own (the nearby list's
// selection is left alone). It follows the nearby list while open: a
// device that appears can be ticked, one that leaves is unticked.
type recipients struct {
	g        *GUI
	ticked   map[string]bool
	onChange func() // after the ticked set changed
	box      *fyne.Container
	none     *widget.RichText
	view     fyne.CanvasObject
}

func (g *GUI) newRecipients() *recipients {
	r := &recipients{g: g, ticked: map[string]bool{}}
	for _, id := range g.selectedIDs() {
		r.ticked[id] = true
	}
	if peers := g.sortedPeers(); len(r.ticked) == 0 && len(peers) == 1 {
		r.ticked[peers[0].ID] = true
	}
	r.box = container.NewVBox()
	r.none = newWrappedCaption(lang.L("ui.choose.none.body"), fyne.TextAlignLeading)
	title := widget.NewLabel(lang.L("ui.choose.body"))
	title.TextStyle.Bold = true
	scroll := container.NewVScroll(r.box)
	scroll.SetMinSize(fyne.NewSize(0, 3*widget.NewCheck("", nil).MinSize().Height))
	r.view = container.NewBorder(title, nil, nil, nil, container.NewStack(scroll, r.none))
	r.refresh()
	g.sendTo = append(g.sendTo, r)
	return r
}

// ids lists the ticked devices that are still nearby, in the list's order.
func (r *recipients) ids() []string {
	var out []string
	for _, p := range r.g.sortedPeers() {
		if r.ticked[p.ID] {
			out = append(out, p.ID)
		}
	}
	return out
}

// refresh redraws the devices after the nearby list changed.
func (r *recipients) refresh() {
	peers := r.g.sortedPeers()
	for id := range r.ticked {
		if _, ok := r.g.peers[id]; !ok {
			delete(r.ticked, id)
		}
	}
	objs := make([]fyne.CanvasObject, 0, len(peers))
	for _, p := range peers {
		label := p.Name
		if p.Addr != "" {
			label += " (" + p.Addr + ")"
		}
		id := p.ID
		c := widget.NewCheck(label, func(on bool) {
			if on {
				r.ticked[id] = true
			} else {
				delete(r.ticked, id)
			}
			if r.onChange != nil {
				r.onChange()
			}
		})
		c.Checked = r.ticked[id]
		objs = append(objs, c)
	}
	r.box.Objects = objs
	r.box.Refresh()
	setShown(r.none, len(peers) == 0)
	if r.onChange != nil {
		r.onChange()
	}
}

// close stops following the nearby list.
func (r *recipients) close() {
	r.g.sendTo = slices.DeleteFunc(r.g.sendTo, func(x *recipients) bool { return x == r })
}

// refreshRecipients updates the open send dialogs' "Send to:" lists.
func (g *GUI) refreshRecipients() {
	for _, r := range g.sendTo {
		r.refresh()
	}
}
