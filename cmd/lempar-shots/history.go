package main

import (
	"fyne.io/fyne/v2"

	"github.com/lempar/lempar/ui"
)

// historyScenes shows the History screen: entries titled by what moved,
// and the unfinished downloads kept out of sight above them.
func historyScenes(g *ui.GUI, shot func(string) error) error {
	fyne.DoAndWait(func() {
		for top := g.Window().Canvas().Overlays().Top(); top != nil; top = g.Window().Canvas().Overlays().Top() {
			top.Hide()
			g.Window().Canvas().Overlays().Remove(top)
		}
		g.ShowHistory()
	})
	return shot("history")
}
