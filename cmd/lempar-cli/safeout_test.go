package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestTermSafe(t *testing.T) {
	for in, want := range map[string]string{
		"Sari-PC":                      "Sari-PC",
		"evil\x1b]52;c;aGk=\x07":       `evil\x1b]52;c;aGk=\x07`,
		"invoice\u202efdp.exe":         `invoice\u202efdp.exe`,
		"a\u200bb\ufeffc\u2066d\u2029": `a\u200bb\ufeffc\u2066d\u2029`,
		"two\nlines\ttab":              `two\x0alines\x09tab`,
		"c1\u009b31m":                  `c1\u009b31m`,
		"bad\xffutf8":                  `bad\xffutf8`,
		"Indonésia 📷":                  "Indonésia 📷",
	} {
		if got := termSafe(in); got != want {
			t.Errorf("termSafe(%q) = %q, want %q", in, got, want)
		}
	}
	if got := termText("a\nb\x1b[2J"); got != "a\nb\\x1b[2J" {
		t.Errorf("termText keeps lines only: %q", got)
	}
	var b bytes.Buffer
	_, _ = safeWriter{&b}.Write([]byte("name \x1b[31mred\u202e\n"))
	if strings.ContainsAny(b.String(), "\x1b\u202e") || !strings.HasSuffix(b.String(), "\n") {
		t.Errorf("safeWriter wrote %q", b.String())
	}
}
