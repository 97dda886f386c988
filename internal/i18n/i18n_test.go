package i18n

import (
	"reflect"
	"regexp"
	"sync"
	"testing"
)

// Every key must exist in every language, with the same placeholders, so no
// screen ever shows a raw key or drops a number.
func TestCatalogsMatch(t *testing.T) {
	en, err := Catalog("en")
	if err != nil {
		t.Fatal(err)
	}
	ph := regexp.MustCompile(`\{\{\.[A-Za-z0-9_]+\}\}`)
	for _, lang := range Locales[1:] {
		other, err := Catalog(lang)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range en {
			ov, ok := other[k]
			if !ok {
				t.Errorf("%s.json lacks key %q", lang, k)
				continue
			}
			if ov == "" {
				t.Errorf("%s.json has empty text for %q", lang, k)
			}
			a, b := ph.FindAllString(v, -1), ph.FindAllString(ov, -1)
			if !sameSet(a, b) {
				t.Errorf("%q: placeholders differ: en %v, %s %v", k, a, lang, b)
			}
		}
		for k := range other {
			if _, ok := en[k]; !ok {
				t.Errorf("%s.json has key %q that en.json lacks", lang, k)
			}
		}
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestNormalizeAndFill(t *testing.T) {
	for in, want := range map[string]string{"id_ID.UTF-8": "id", "en_US.UTF-8": "en", "C.UTF-8": "en", "in": "id", "fr_FR": "en", "": "en"} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Fill("{{.Name}} sent {{.N}} files", "Name", "Sari", "N", 3); got != "Sari sent 3 files" {
		t.Errorf("Fill = %q", got)
	}
	tr := Load("id")
	if tr.T("no.such.key") != "no.such.key" {
		t.Error("missing key should come back as itself")
	}
}

// Catalogs are parsed once and shared; Catalog hands out copies, so a caller
// that changes its map can't change what translators show.
func TestCatalogParsedOnce(t *testing.T) {
	var wg sync.WaitGroup
	trs := make([]*Translator, 8)
	for i := range trs {
		wg.Go(func() { trs[i] = Load("id") })
	}
	wg.Wait()
	for _, tr := range trs[1:] {
		if reflect.ValueOf(tr.strings).UnsafePointer() != reflect.ValueOf(trs[0].strings).UnsafePointer() {
			t.Fatal("Load parsed the catalog again")
		}
	}
	c, err := Catalog("id")
	if err != nil {
		t.Fatal(err)
	}
	key := "autostart.comment"
	want := trs[0].T(key)
	c[key] = "changed"
	if got := Load("id").T(key); got != want {
		t.Errorf("changing Catalog's map changed the translator: %q", got)
	}
	if _, err := Catalog("xx"); err == nil {
		t.Error("Catalog of an unshipped language should fail")
	}
}
