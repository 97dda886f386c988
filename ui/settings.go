package ui

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// settingsScreen edits Settings; every change is saved at once, typing is
// saved when the person pauses or presses Enter.
func (g *GUI) settingsScreen() fyne.CanvasObject {
	s := g.settings
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord

	save := func(change func(*Settings)) {
		next := g.settings
		change(&next)
		g.saveSettings(next, status)
	}

	name := widget.NewEntry()
	name.SetText(s.DeviceName)
	name.Validator = func(v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New(lang.L("ui.settings.name.empty"))
		}
		return nil
	}
	saveName := func(v string) {
		v = strings.TrimSpace(v)
		if v != "" && v != g.settings.DeviceName {
			save(func(s *Settings) { s.DeviceName = v })
		}
	}
	name.OnSubmitted = saveName
	name.OnChanged = g.debounce(func() { saveName(name.Text) })

	dir := widget.NewLabel(s.DownloadDir)
	dir.Truncation = fyne.TextTruncateEllipsis
	changeDir := widget.NewButtonWithIcon(lang.L("ui.offer.change"), theme.FolderOpenIcon(), func() {
		g.chooseFolder(func(p string) {
			dir.SetText(p)
			save(func(s *Settings) { s.DownloadDir = p })
		})
	})

	vis := widget.NewSelect(visibilityLabels(), func(l string) {
		if v := visibilityFromLabel(l); v != "" && v != g.settings.Visibility {
			save(func(s *Settings) { s.Visibility = v })
			g.self.Visibility = v
			g.updateTray()
		}
	})
	vis.SetSelected(visibilityLabel(s.Visibility))

	auto := widget.NewCheck(lang.L("ui.settings.autoaccept.check"), func(on bool) {
		if on != g.settings.AutoAcceptKnown {
			save(func(s *Settings) { s.AutoAcceptKnown = on })
		}
	})
	auto.SetChecked(s.AutoAcceptKnown)

	lsHTTP, lsPIN := g.localSendOptions(save)
	localSend := widget.NewCheck(lang.L("ui.settings.localsend.check"), func(on bool) {
		if on {
			lsHTTP.Enable()
			lsPIN.Enable()
		} else {
			lsHTTP.Disable()
			lsPIN.Disable()
		}
		if on != g.settings.LocalSend {
			save(func(s *Settings) { s.LocalSend = on })
		}
	})
	localSend.SetChecked(s.LocalSend)
	localSend.OnChanged(s.LocalSend)

	atLogin := widget.NewCheck(lang.L("ui.settings.startatlogin.check"), func(on bool) {
		if on != g.settings.StartAtLogin {
			save(func(s *Settings) { s.StartAtLogin = on })
		}
	})
	atLogin.SetChecked(s.StartAtLogin)

	langs := []Language{LangSystem, LangEnglish, LangIndonesian}
	langNames := []string{lang.L("ui.settings.language.system"), "English", "Bahasa Indonesia"}
	language := widget.NewSelect(langNames, nil)
	for i, l := range langs {
		if l == s.Language || (s.Language == "" && l == LangSystem) {
			language.SetSelected(langNames[i])
		}
	}
	language.OnChanged = func(v string) {
		for i, n := range langNames {
			if n == v && langs[i] != g.settings.Language {
				save(func(s *Settings) { s.Language = langs[i] })
				g.switchLanguage()
				return
			}
		}
	}

	port := widget.NewEntry()
	port.SetText(strconv.Itoa(s.Port))
	port.Validator = func(v string) error {
		if _, err := parsePort(v); err != nil {
			return err
		}
		return nil
	}
	savePort := func(v string) {
		if p, err := parsePort(v); err == nil && p != g.settings.Port {
			save(func(s *Settings) { s.Port = p })
		}
	}
	port.OnSubmitted = savePort
	port.OnChanged = g.debounce(func() { savePort(port.Text) })

	hinted := func(label string, w fyne.CanvasObject, hint string) *widget.FormItem {
		it := widget.NewFormItem(label, w)
		it.HintText = hint
		return it
	}
	items := []*widget.FormItem{
		hinted(lang.L("ui.settings.name"), name, lang.L("ui.settings.name.hint")),
		widget.NewFormItem(lang.L("ui.settings.dir"), container.NewBorder(nil, nil, nil, changeDir, dir)),
		widget.NewFormItem(lang.L("ui.settings.visibility"), vis),
		hinted(lang.L("ui.settings.autoaccept"), auto, lang.L("ui.settings.autoaccept.hint")),
		widget.NewFormItem(lang.L("ui.settings.localsend"), localSend),
		hinted("", lsHTTP, lang.L("ui.settings.localsend.http.hint")),
		hinted(lang.L("ui.settings.localsend.pin"), lsPIN, lang.L("ui.settings.localsend.pin.hint")),
		widget.NewFormItem(lang.L("ui.settings.startatlogin"), atLogin),
		widget.NewFormItem(lang.L("ui.settings.language"), language),
		hinted(lang.L("ui.settings.port"), port, lang.L("ui.settings.port.hint")),
	}
	if len(g.self.Addrs) > 0 {
		addrs := widget.NewLabel(strings.Join(g.self.Addrs, "\n"))
		addrs.Selectable = true
		items = append(items, widget.NewFormItem(lang.L("ui.settings.addrs"), addrs))
	}
	form := widget.NewForm(items...)

	g.w.settingsForm = &settingsWidgets{name: name, port: port, language: language, auto: auto, vis: vis, status: status, localSend: localSend, lsHTTP: lsHTTP, lsPIN: lsPIN}
	page := container.NewVBox(form, status)
	return g.body(lang.L("ui.settings.title"), container.NewVScroll(container.NewPadded(page)))
}

// settingsWidgets lets tests reach the form's fields.
type settingsWidgets struct {
	name, port *widget.Entry
	language   *widget.Select
	vis        *widget.Select
	auto       *widget.Check
	status     *widget.Label
	localSend  *widget.Check
	lsHTTP     *widget.Check
	lsPIN      *widget.Entry
}

// localSendOptions are the LocalSend receive options: plain HTTP for
// phones with encryption off, and a PIN senders must give.
func (g *GUI) localSendOptions(save func(func(*Settings))) (*widget.Check, *widget.Entry) {
	httpOn := widget.NewCheck(lang.L("ui.settings.localsend.http"), func(on bool) {
		if on != g.settings.LocalSendHTTP {
			save(func(s *Settings) { s.LocalSendHTTP = on })
		}
	})
	httpOn.SetChecked(g.settings.LocalSendHTTP)

	pin := widget.NewEntry()
	pin.SetPlaceHolder(lang.L("ui.settings.localsend.pin.none"))
	pin.SetText(g.settings.LocalSendPIN)
	pin.Validator = checkPIN
	savePIN := func(v string) {
		if checkPIN(v) == nil && v != g.settings.LocalSendPIN {
			save(func(s *Settings) { s.LocalSendPIN = v })
		}
	}
	pin.OnSubmitted = savePIN
	pin.OnChanged = g.debounce(func() { savePIN(pin.Text) })
	return httpOn, pin
}

// maxPINRunes mirrors app.MaxPINRunes (ui doesn't import app); the
// backend checks again with app.ValidPIN.
const maxPINRunes = 32

// checkPIN refuses what a sender could never type: control and invisible
// characters, or more than maxPINRunes characters. "" means no PIN.
func checkPIN(v string) error {
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxPINRunes || strings.ContainsFunc(v, func(r rune) bool {
		return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	}) {
		return errors.New(tr("ui.settings.pin.invalid", "Max", maxPINRunes))
	}
	return nil
}

func parsePort(v string) (int, error) {
	p, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || p < 0 || p > 65535 || (p > 0 && p < 1024) {
		return 0, errors.New(lang.L("ui.settings.port.invalid"))
	}
	return p, nil
}

// saveSettings stores s in the background; status (optional) shows the
// outcome under the form.
func (g *GUI) saveSettings(s Settings, status *widget.Label) {
	g.settings = s
	g.refreshSelf()
	g.opt.background(func() func() {
		err := g.b.SaveSettings(s)
		return func() {
			if err != nil {
				g.showError(lang.L("ui.error.settings.title"), err)
				if status != nil {
					status.SetText(err.Error())
					status.Importance = widget.DangerImportance
					status.Refresh()
				}
				return
			}
			if status != nil {
				status.SetText(lang.L("ui.settings.saved"))
				status.Importance = widget.SuccessImportance
				status.Refresh()
			}
		}
	})
}

// switchLanguage shows every screen again in the newly chosen language.
func (g *GUI) switchLanguage() {
	applyLanguage(resolveLanguage(g.settings.Language, g.opt.systemLang))
	g.rebuild()
}

// debounce returns an OnChanged handler that calls f once typing pauses.
func (g *GUI) debounce(f func()) func(string) {
	gen := 0
	return func(string) {
		gen++
		mine := gen
		g.opt.after(700*time.Millisecond, func() {
			fyne.Do(func() {
				if mine == gen {
					f()
				}
			})
		})
	}
}
