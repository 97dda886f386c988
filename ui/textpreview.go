package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// textPreview shows a wrapped text in a scroll at least lines high, so a
// preview reads as several lines rather than one cut short.
func textPreview(text *widget.Label, lines int) fyne.CanvasObject {
	one := widget.NewLabel("M")
	line := one.MinSize().Height - 2*theme.InnerPadding() + theme.LineSpacing()
	scroll := container.NewVScroll(text)
	scroll.SetMinSize(fyne.NewSize(0, float32(lines)*line+2*theme.InnerPadding()))
	return scroll
}
