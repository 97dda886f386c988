package share

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/lempar/lempar/internal/i18n"
)

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// pageKeys are the page's strings, sent to its script in the reader's
// language.
var pageKeys = []string{
	"share.page.waiting", "share.page.waiting.hint", "share.page.pin", "share.page.pin.wrong",
	"share.page.pin.go", "share.page.pin.many", "share.page.busy", "share.page.declined",
	"share.page.expired", "share.page.ended", "share.page.lost", "share.page.error",
	"share.page.all", "share.page.count", "share.page.download",
}

// servePage is the page a browser opens: who shares, and a script that
// asks for the files (prepare-download) and lists them once allowed.
// Without a share it says sharing has ended, and nothing else.
func servePage(w http.ResponseWriter, r *http.Request, sh *Share) {
	tr := i18n.Load(pageLang(r.Header.Get("Accept-Language")))
	alias := "Lempar"
	if sh != nil {
		alias = sh.o.Alias()
	}
	strs := map[string]string{"lang": tr.Lang()}
	for _, k := range pageKeys {
		strs[strings.TrimPrefix(k, "share.page.")] = tr.T(k, "Name", alias)
	}
	js, _ := json.Marshal(strs)
	data := map[string]any{
		"Lang":    tr.Lang(),
		"Title":   tr.T("share.page.title", "Name", alias),
		"Footer":  tr.T("share.page.footer"),
		"Ended":   sh == nil,
		"EndedTx": tr.T("share.page.ended", "Name", alias),
		"Strings": template.JS(js),
		"Prepare": PathPrepare, "Download": PathDownload, "Zip": PathZip,
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	status := http.StatusOK
	if sh == nil {
		status = http.StatusForbidden
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_ = pageTmpl.Execute(w, data)
}

// pageLang picks the page's language from Accept-Language: the first
// language with a catalogue, by the browser's weights; else English.
func pageLang(accept string) string {
	if len(accept) > 512 {
		accept = accept[:512]
	}
	best, bestQ := "en", -1.0
	for i, part := range strings.Split(accept, ",") {
		if i >= 32 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		l := strings.ToLower(tag)
		if k := strings.IndexAny(l, "-_"); k >= 0 {
			l = l[:k]
		}
		if l == "in" {
			l = "id"
		}
		known := false
		for _, loc := range i18n.Locales {
			known = known || loc == l
		}
		if known && q > bestQ && q > 0 {
			best, bestQ = l, q
		}
	}
	return best
}
