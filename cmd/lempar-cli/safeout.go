package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Everything a peer sends (device names, mDNS names, file names, texts,
// error details) reaches the terminal only through termSafe or safeWriter:
// an ESC or OSC sequence in a name could clear the screen, retitle the
// window or write the clipboard, and a bidi override makes
// "invoice<U+202E>fdp.exe" read as "invoiceexe.pdf". JSON output is left
// exact; the encoder escapes control characters itself.

// unsafeRune reports a rune a terminal must not receive raw: C0 and C1
// controls (ESC included), DEL, zero-width and bidi formatting characters,
// line and paragraph separators and the BOM.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e,
		r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029, r == 0xfeff:
		return true
	}
	return false
}

// termSafe makes s printable on one line: unsafe runes (newline and tab
// included) and invalid UTF-8 become visible escapes such as \x1b or
// \u202e, so a person sees that something odd was sent.
func termSafe(s string) string { return escapeUnsafe(s, false) }

// termText is termSafe for multi-line text: newlines and tabs stay.
func termText(s string) string { return escapeUnsafe(s, true) }

func escapeUnsafe(s string, keepLines bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || (unsafeRune(r) && !(keepLines && (r == '\n' || r == '\t'))) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// safeWriter passes human output through termText. Each Write is expected
// to carry whole characters, as fmt's Fprint* calls do.
type safeWriter struct{ w io.Writer }

func (s safeWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, termText(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
