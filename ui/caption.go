package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// newCaption is secondary text (addresses, speeds, hints) in the theme's
// placeholder colour. A LowImportance label would use the disabled colour,
// which is too faint to read on the dark theme.
func newCaption(text string) *widget.RichText {
	rt := widget.NewRichText(&widget.TextSegment{
		Text:  text,
		Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder, Inline: true},
	})
	rt.Truncation = fyne.TextTruncateEllipsis
	return rt
}

// setCaption changes a caption's text.
func setCaption(rt *widget.RichText, text string) {
	seg := rt.Segments[0].(*widget.TextSegment)
	if seg.Text == text {
		return
	}
	seg.Text = text
	rt.Refresh()
}

// captionText reads a caption back.
func captionText(rt *widget.RichText) string {
	return rt.Segments[0].(*widget.TextSegment).Text
}

// newWrappedCaption is a caption that wraps instead of cutting short.
func newWrappedCaption(text string, align fyne.TextAlign) *widget.RichText {
	rt := newCaption(text)
	rt.Truncation = fyne.TextTruncateOff
	rt.Wrapping = fyne.TextWrapWord
	rt.Segments[0].(*widget.TextSegment).Style.Alignment = align
	return rt
}

// minWidth gives o at least width w, so a Select shows its longest option.
func minWidth(w float32, o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(&minWidthLayout{w: w}, o)
}

type minWidthLayout struct{ w float32 }

func (m *minWidthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := objs[0].MinSize()
	s.Width = max(s.Width, m.w)
	return s
}

func (m *minWidthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Resize(size)
	objs[0].Move(fyne.NewPos(0, 0))
}

// selectWidth is how wide a Select must be to show every option in full.
func selectWidth(options []string) float32 {
	w := float32(0)
	for _, o := range options {
		w = max(w, fyne.MeasureText(o, theme.TextSize(), fyne.TextStyle{}).Width)
	}
	return w + theme.IconInlineSize() + 4*theme.InnerPadding()
}
