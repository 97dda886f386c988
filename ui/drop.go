package ui

import "fyne.io/fyne/v2"

// onDropped is the window's drop handler. A drop while a dialog is open
// is never sent from behind it: it joins the send sheet if that is the
// dialog on top, else it is ignored (the person is busy with the dialog;
// the files can be dropped again after).
func (g *GUI) onDropped(pos fyne.Position, uris []fyne.URI) {
	paths := localPaths(uris)
	if len(paths) == 0 || g.picking {
		return
	}
	if top := g.win.Canvas().Overlays().Top(); top != nil {
		if g.sheet != nil && g.sheet.overlay == top {
			g.sheet.add(paths)
		}
		return
	}
	if g.screen != screenMain {
		g.show(screenMain)
	}
	view, rows := g.peerBoxes()
	plan := planDrop(pos, view, rows, g.selectedIDs())
	if plan.Ask {
		g.sendSheet(paths)
		return
	}
	g.sendPaths(plan.Targets, paths)
}

// rowBox is where a device row is on the window, in window coordinates.
type rowBox struct {
	ID       string
	Pos      fyne.Position
	Size     fyne.Size
	Disabled bool
}

func (r rowBox) contains(p fyne.Position) bool {
	return p.X >= r.Pos.X && p.Y >= r.Pos.Y && p.X < r.Pos.X+r.Size.Width && p.Y < r.Pos.Y+r.Size.Height
}

// dropPlan says who gets dropped items: Targets, or ask the person (Ask).
type dropPlan struct {
	Targets []string
	Ask     bool
}

// planDrop decides who receives items dropped at pos. Fyne reports drops for
// the whole window only, so a drop over a device row (inside the visible
// part of the list, view) goes to that device; anywhere else it goes to the
// selected devices, and with none selected the person is asked.
func planDrop(pos fyne.Position, view rowBox, rows []rowBox, selected []string) dropPlan {
	if view.contains(pos) {
		for _, r := range rows {
			if r.contains(pos) && !r.Disabled {
				return dropPlan{Targets: []string{r.ID}}
			}
		}
	}
	if len(selected) > 0 {
		return dropPlan{Targets: append([]string(nil), selected...)}
	}
	return dropPlan{Ask: true}
}

// localPaths keeps the dropped items that are local files or folders; a
// browser may drop http links, which cannot be sent as files.
func localPaths(uris []fyne.URI) []string {
	var out []string
	for _, u := range uris {
		if u == nil || u.Scheme() != "file" {
			continue
		}
		if p := u.Path(); p != "" {
			out = append(out, p)
		}
	}
	return out
}
