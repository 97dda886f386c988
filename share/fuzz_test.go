package share

import (
	"strings"
	"testing"
	"unicode"

	"github.com/lempar/lempar/internal/i18n"
)

// What a browser sends that the share reads itself (the rest is net/http):
// Accept-Language picks a shipped language, and User-Agent becomes a label
// made only of known words, whatever the bytes.
func FuzzRequestHeaders(f *testing.F) {
	f.Add("id-ID,id;q=0.9,en-US;q=0.8", "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/156.0 Mobile Safari/537.36")
	f.Add("en;q=0, id;q=abc, *;q=0.5", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Version/17.0 Mobile/15E148 Safari/604.1")
	f.Add(strings.Repeat("id,", 400), "\u202eevil\x00Edg/ Firefox/")
	f.Fuzz(func(t *testing.T, accept, ua string) {
		l := pageLang(accept)
		known := false
		for _, loc := range i18n.Locales {
			known = known || l == loc
		}
		if !known {
			t.Fatalf("pageLang(%q) = %q", accept, l)
		}
		label := agentLabel(ua)
		for _, word := range strings.Fields(strings.ReplaceAll(label, "·", " ")) {
			if !strings.Contains(knownWords, " "+word+" ") {
				t.Fatalf("agentLabel(%q) = %q: %q is not one of ours", ua, label, word)
			}
		}
	})
}

const knownWords = " Edge Opera Samsung Internet Firefox Chrome Chromium Safari LocalSend curl Android iPhone iPad Windows macOS ChromeOS Linux "

// Names inside the zip and in downloads are safe on any system, whatever
// a file on this disk is called.
func FuzzSafeName(f *testing.F) {
	f.Add("Photos/beach.jpg")
	f.Add("../../etc/passwd")
	f.Add("a\\b/:c/./\u202etxt.exe/\x00")
	f.Fuzz(func(t *testing.T, name string) {
		got := safeName(name)
		for _, seg := range strings.Split(got, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("safeName(%q) = %q: segment %q", name, got, seg)
			}
		}
		for _, r := range got {
			if r == '\\' || r == ':' || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("safeName(%q) = %q holds %q", name, got, r)
			}
		}
	})
}
