// Package i18n translates Lempar's user-visible strings for code that must not
// link Fyne (the CLI, error messages from the engine). It reads the same
// assets/translations files the GUI gives to fyne's lang package.
package i18n

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"

	"github.com/lempar/lempar/assets"
)

// Locales lists the languages Lempar ships, in display order.
var Locales = []string{"en", "id"}

// Translator looks up strings for one language, falling back to English.
type Translator struct {
	lang     string
	strings  map[string]string
	fallback map[string]string
}

// Load returns a translator for lang ("en", "id"; "" or unknown means
// English). Catalogs are parsed once per process and shared read-only.
func Load(lang string) *Translator {
	en, _ := parsed("en")
	t := &Translator{lang: "en", strings: en, fallback: en}
	if lang != "" && lang != "en" {
		if c, err := parsed(lang); err == nil {
			t.lang, t.strings = lang, c
		}
	}
	return t
}

// FromEnv picks the language the way a desktop app does: LEMPAR_LANG, then
// LC_ALL, LC_MESSAGES, LANG, LANGUAGE ("id_ID.UTF-8" → "id").
func FromEnv() *Translator {
	for _, k := range []string{"LEMPAR_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
		if v := os.Getenv(k); v != "" {
			return Load(Normalize(v))
		}
	}
	return Load("en")
}

// Normalize turns a locale such as "id_ID.UTF-8" or "in" into a Lempar
// language code, or "en" when Lempar has no catalog for it.
func Normalize(locale string) string {
	l := strings.ToLower(locale)
	if i := strings.IndexAny(l, "_.-@:"); i >= 0 {
		l = l[:i]
	}
	if l == "in" { // the pre-1989 ISO code some systems still report
		l = "id"
	}
	for _, known := range Locales {
		if l == known {
			return l
		}
	}
	return "en"
}

// Catalog returns the raw key→text map of one language, a copy the caller
// may change.
func Catalog(lang string) (map[string]string, error) {
	m, err := parsed(lang)
	if err != nil {
		return nil, err
	}
	return maps.Clone(m), nil
}

// catalogs parses each shipped language's file once, on first use.
var catalogs = func() map[string]func() (map[string]string, error) {
	m := make(map[string]func() (map[string]string, error), len(Locales))
	for _, lang := range Locales {
		m[lang] = sync.OnceValues(func() (map[string]string, error) { return readCatalog(lang) })
	}
	return m
}()

// parsed returns the shared, never-modified catalog of lang.
func parsed(lang string) (map[string]string, error) {
	if f, ok := catalogs[lang]; ok {
		return f()
	}
	return readCatalog(lang) // not shipped: the read fails, nothing to cache
}

func readCatalog(lang string) (map[string]string, error) {
	b, err := assets.Translations.ReadFile("translations/" + lang + ".json")
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("translations/%s.json: %w", lang, err)
	}
	return m, nil
}

// Lang is the language actually in use.
func (t *Translator) Lang() string { return t.lang }

// T returns the text for key with {{.Name}}-style placeholders filled from
// args, given as alternating name, value pairs. A missing key returns the key
// itself so a forgotten entry is visible rather than blank.
func (t *Translator) T(key string, args ...any) string {
	s, ok := t.strings[key]
	if !ok {
		if s, ok = t.fallback[key]; !ok {
			s = key
		}
	}
	copied := false
	for i := 1; i < len(args); i += 2 {
		if b, ok := args[i].(Bytes); ok {
			if !copied { // the caller's slice stays as it was
				args, copied = append([]any(nil), args...), true
			}
			args[i] = t.Size(int64(b))
		}
	}
	return Fill(s, args...)
}

// Bytes is a size given to T as an argument: it is written in the
// translator's language ("1,2 GB" in Indonesian). Code that builds a
// message before anyone knows its language (engine errors) passes sizes
// this way.
type Bytes int64

// Fill substitutes {{.Name}} placeholders; the syntax matches what fyne's
// lang.L uses with a map, so one catalog serves both.
func Fill(s string, args ...any) string {
	if len(args) < 2 || !strings.Contains(s, "{{") {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{{."+fmt.Sprint(args[i])+"}}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Localizer is an error (or anything) that can say itself in a reader's
// language: engine and store errors carry a key and arguments for it.
type Localizer interface {
	Localize(tr *Translator) string
}

// Describe renders err in tr's language when it (or an error it wraps) is
// a Localizer, else as it is.
func Describe(tr *Translator, err error) string {
	var l Localizer
	if errors.As(err, &l) {
		return l.Localize(tr)
	}
	return err.Error()
}
