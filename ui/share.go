package ui

import (
	"image"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/lempar/lempar/ui/backend"
)

// canShare reports whether the backend can share by link.
func (g *GUI) canShare() bool {
	_, ok := g.b.(backend.Sharer)
	return ok
}

// shareLink starts sharing paths and shows the share sheet: the link and
// its QR code, the browsers asking (Allow / Decline) and allowed, and Stop
// sharing. The share runs while the sheet is open; only Stop closes it.
func (g *GUI) shareLink(paths []string) {
	sh, ok := g.b.(backend.Sharer)
	if !ok {
		return
	}
	s := &shareSheet{g: g, b: sh}
	onChange := func() { fyne.Do(s.refresh) }
	g.opt.background(func() func() {
		info, err := sh.StartShare(paths, onChange)
		return func() {
			if err != nil {
				g.showError(lang.L("ui.share.error.title"), err)
				return
			}
			s.show(info)
		}
	})
}

// shareSheet is the open share dialog.
type shareSheet struct {
	g       *GUI
	b       backend.Sharer
	dlg     *dialog.CustomDialog
	qr      *canvas.Image
	qrFor   string
	urls    *fyne.Container
	chosen  string // the URL the code shows
	summary *widget.Label
	people  *fyne.Container
	shown   bool
	asking  int // browsers waiting at the last fill, to notice a new one
}

func (s *shareSheet) show(info backend.ShareInfo) {
	g := s.g
	s.qr = canvas.NewImageFromImage(image.NewGray(image.Rect(0, 0, 1, 1)))
	s.qr.FillMode = canvas.ImageFillContain
	s.qr.ScaleMode = canvas.ImageScalePixels // a QR code's modules stay sharp
	s.qr.SetMinSize(fyne.NewSize(176, 176))
	intro := widget.NewLabel(lang.L("ui.share.intro"))
	intro.Wrapping = fyne.TextWrapWord
	s.urls = container.NewVBox()
	cert := widget.NewRichText(&widget.TextSegment{Text: lang.L("ui.share.cert"),
		Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder}}) // a caption that wraps
	cert.Wrapping = fyne.TextWrapWord
	s.summary = widget.NewLabel("")
	s.summary.Truncation = fyne.TextTruncateEllipsis
	s.people = container.NewVBox()
	heading := widget.NewLabel(lang.L("ui.share.browsers"))
	heading.TextStyle.Bold = true

	// The code and the links on top; the browsers, who wait for an
	// answer, get the rest of the height.
	top := container.NewBorder(nil, nil, container.NewCenter(s.qr), nil,
		container.NewVBox(intro, s.urls, cert))
	scroll := container.NewVScroll(s.people)
	scroll.SetMinSize(fyne.NewSize(0, 112))
	body := container.NewBorder(
		container.NewVBox(top, s.summary, widget.NewSeparator(), heading),
		nil, nil, nil, scroll)
	stop := newKeyButton(g, lang.L("ui.share.stop"), theme.MediaStopIcon(), func() {
		s.dlg.Hide()
	})
	stop.Importance = widget.DangerImportance
	s.dlg = dialog.NewCustomWithoutButtons(lang.L("ui.share.title"), body, g.win)
	s.dlg.SetButtons([]fyne.CanvasObject{stop})
	s.dlg.SetOnClosed(func() {
		s.shown = false
		g.opt.background(func() func() { s.b.StopShare(); return nil })
	})
	if now := s.b.ShareState(); now.Active {
		info = now // a browser may have asked before the sheet was up, unheard by refresh
	}
	s.fill(info)
	s.dlg.Resize(fyne.NewSize(min(640, g.win.Canvas().Size().Width*0.95), min(560, g.win.Canvas().Size().Height*0.95)))
	s.dlg.Show()
	s.shown = true
	g.bindKeys(nil, nil)
}

// refresh shows the share's current state (a browser asked, was answered,
// downloaded); a share that ended by itself closes the sheet.
func (s *shareSheet) refresh() {
	if !s.shown {
		return
	}
	info := s.b.ShareState()
	if !info.Active {
		s.dlg.Hide()
		return
	}
	s.fill(info)
}

func (s *shareSheet) fill(info backend.ShareInfo) {
	if len(info.URLs) > 0 && !slices.Contains(info.URLs, s.chosen) {
		s.chosen = info.URLs[0]
	}
	s.urls.Objects = nil
	if len(info.URLs) == 0 {
		none := widget.NewLabel(lang.L("ui.share.noaddress"))
		none.Wrapping = fyne.TextWrapWord
		s.urls.Add(none)
	}
	for _, u := range info.URLs {
		s.urls.Add(s.urlRow(u, len(info.URLs) > 1))
	}
	s.urls.Refresh()
	if s.chosen != s.qrFor {
		s.qrFor = s.chosen
		if q, err := qrcode.New(s.chosen, qrcode.Medium); err == nil && s.chosen != "" {
			s.qr.Image = q.Image(368)
		} else {
			s.qr.Image = image.NewGray(image.Rect(0, 0, 1, 1))
		}
		s.qr.Refresh()
	}
	s.summary.SetText(tr("ui.share.summary", "Count", info.Files, "Size", formatBytes(info.Size), "Names", strings.Join(info.Names, ", ")))
	asking := 0
	for _, r := range info.Requests {
		if !r.Allowed {
			asking++
		}
	}
	if asking > s.asking && s.shown {
		// Someone waits for an answer: bring the window back, as for offers.
		s.g.notify(lang.L("ui.share.notify.title"), lang.L("ui.share.notify.body"))
		s.g.win.Show()
		s.g.win.RequestFocus()
	}
	s.asking = asking
	s.people.Objects = nil
	if len(info.Requests) == 0 {
		s.people.Add(newCaption(lang.L("ui.share.nobody")))
	}
	for _, r := range info.Requests {
		s.people.Add(s.personRow(r))
	}
	s.people.Refresh()
}

// urlRow is one link with Copy; with several, tapping one shows its code.
func (s *shareSheet) urlRow(u string, choosable bool) fyne.CanvasObject {
	link := widget.NewLabel(u)
	link.Selectable = true
	link.Truncation = fyne.TextTruncateEllipsis
	if u == s.chosen {
		link.TextStyle.Bold = true
	}
	copyBtn := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { s.g.app.Clipboard().SetContent(u) })
	right := container.NewHBox(copyBtn)
	if choosable && u != s.chosen {
		right.Objects = append([]fyne.CanvasObject{widget.NewButtonWithIcon("", theme.VisibilityIcon(), func() {
			s.chosen = u
			s.fill(s.b.ShareState())
		})}, right.Objects...)
	}
	return container.NewBorder(nil, nil, nil, right, link)
}

// personRow is one browser: Allow / Decline while it waits, else what it
// downloaded.
func (s *shareSheet) personRow(r backend.ShareRequest) fyne.CanvasObject {
	agent := r.Agent
	if agent == "" {
		agent = lang.L("ui.share.browser")
	}
	who := widget.NewLabel(agent)
	who.Truncation = fyne.TextTruncateEllipsis
	var state string
	var right fyne.CanvasObject
	if r.Allowed {
		state = tr("ui.share.allowed", "Addr", r.Addr, "Count", r.Downloads)
		right = widget.NewIcon(theme.ConfirmIcon())
	} else {
		state = tr("ui.share.asking", "Addr", r.Addr)
		id := r.ID
		answer := func(allow bool) func() {
			return func() {
				s.g.opt.background(func() func() {
					err := s.b.AnswerShare(id, allow)
					return func() {
						if err != nil {
							s.g.showError(lang.L("ui.share.error.title"), err)
						}
						s.refresh()
					}
				})
			}
		}
		decline := widget.NewButton(lang.L("ui.share.decline"), answer(false))
		allow := widget.NewButtonWithIcon(lang.L("ui.share.allow"), theme.ConfirmIcon(), answer(true))
		allow.Importance = widget.HighImportance
		right = container.NewCenter(container.NewHBox(decline, allow))
	}
	icon := theme.ComputerIcon()
	for _, mobile := range []string{"Android", "iPhone", "iPad"} {
		if strings.Contains(r.Agent, mobile) {
			icon = phoneIcon()
		}
	}
	return container.NewBorder(nil, nil, widget.NewIcon(icon), right,
		container.New(&tightVBox{}, who, newCaption(state)))
}
