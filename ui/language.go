package ui

import (
	"os"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/lempar/lempar/assets"
	"github.com/lempar/lempar/internal/i18n"
)

// SystemLanguage is the language the desktop asks for, reduced to one Lempar
// ships ("en" or "id"). Read it once at start-up, before applyLanguage
// changes the environment.
func SystemLanguage() string {
	return i18n.FromEnv().Lang()
}

// resolveLanguage turns the setting into the catalog to show.
func resolveLanguage(setting Language, system string) string {
	switch setting {
	case LangEnglish, LangIndonesian:
		return string(setting)
	}
	if system == "" {
		return "en"
	}
	return i18n.Normalize(system)
}

// applyLanguage makes fyne's lang package use code ("en" or "id").
//
// Fyne has no setter for the language: it matches the environment each time
// translations are added. So we point LANGUAGE at the choice and add the
// catalogs again. We always pick a language we ship because for any other
// (say a French desktop) fyne finds Fyne's own French strings, misses ours
// and shows raw keys. LANGUAGE only affects message catalogs, also in
// programs we start (the file manager), which then match the window.
func applyLanguage(code string) {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		// gettext and go-locale ignore LANGUAGE under the C locale;
		// C.UTF-8 behaves the same for everything else.
		if v == "C" || v == "POSIX" {
			_ = os.Setenv(k, "C.UTF-8")
		}
		break
	}
	applied.Lock()
	defer applied.Unlock()
	if applied.code == code && applied.done {
		// Fyne's catalogue is process-wide: reloading it for a second
		// window in the same language (tests run two) would race with the
		// first window's readers for nothing.
		return
	}
	_ = os.Setenv("LANGUAGE", code)
	loadTranslations()
	applied.code, applied.done = code, true
}

// applied is the language Fyne's process-wide catalogue was last loaded
// for; it mirrors state Fyne keeps globally, hence global itself.
var applied struct {
	sync.Mutex
	code string
	done bool
}

func loadTranslations() {
	if err := lang.AddTranslationsFS(assets.Translations, "translations"); err != nil {
		fyne.LogError("loading Lempar translations", err)
	}
	if err := lang.AddTranslationsFS(fyneStrings, "fynestrings"); err != nil {
		fyne.LogError("loading Indonesian strings for Fyne's dialogs", err)
	}
}
