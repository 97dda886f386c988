package savedir

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lempar/lempar/internal/i18n"
)

func TestValidateName(t *testing.T) {
	long := strings.Repeat("a", MaxNameBytes)
	longRunes := strings.Repeat("é", MaxNameBytes/2) // 254 bytes
	tests := []struct {
		name   string
		reason string // "" = accepted
	}{
		{"photo.jpg", ""},
		{"README", ""},
		{".bashrc", ""},
		{"...a", ""},
		{" leading space", ""},
		{"Laporan Keuangan (final).pdf", ""},
		{"日本語のファイル.txt", ""},
		{"emoji 🎉.png", ""},
		{"console.log", ""},
		{"CONNECT", ""},
		{"COM10", ""},
		{"LPT", ""},
		{"COMx", ""},
		{"xCON", ""},
		{"nul-device.txt", ""},
		{"COM⁴", ""}, // only ¹²³ are port digits
		{"a.lempar-partial.txt", ""},
		{long, ""},
		{longRunes, ""},

		{"", ReasonEmpty},
		{".", ReasonDots},
		{"..", ReasonDots},
		{"a/b", ReasonSeparator},
		{"/", ReasonSeparator},
		{`a\b`, ReasonSeparator},
		{`..\..\evil`, ReasonSeparator},
		{"a\x00b", ReasonControl},
		{"a\nb", ReasonControl},
		{"\tx", ReasonControl},
		{"invoice\u202efdp.exe", ReasonInvisible},
		{"zero\u200bwidth", ReasonInvisible},
		{"\ufeffbom", ReasonInvisible},
		{"isolate\u2067x", ReasonInvisible},
		{"line\u2028sep", ReasonInvisible},
		{"\x1b[31mred", ReasonControl},
		{"a\x7fb", ReasonControl},
		{"a\u0085b", ReasonControl},
		{"a\u009bb", ReasonControl},
		{"a\xffb", ReasonEncoding},
		{"\xc3", ReasonEncoding},
		{"C:", ReasonWindowsChar},
		{"C:evil", ReasonWindowsChar},
		{"file.txt:stream", ReasonWindowsChar},
		{"a<b", ReasonWindowsChar},
		{"a>b", ReasonWindowsChar},
		{`a"b`, ReasonWindowsChar},
		{"a|b", ReasonWindowsChar},
		{"what?", ReasonWindowsChar},
		{"*.txt", ReasonWindowsChar},
		{"name.", ReasonTrailing},
		{"name ", ReasonTrailing},
		{"name. .", ReasonTrailing},
		{"...", ReasonTrailing},
		{"CON", ReasonReserved},
		{"con", ReasonReserved},
		{"Con.txt", ReasonReserved},
		{"CON.tar.gz", ReasonReserved},
		{"CON .txt", ReasonReserved},
		{"PRN", ReasonReserved},
		{"aux.c", ReasonReserved},
		{"NUL", ReasonReserved},
		{"nul.txt", ReasonReserved},
		{"COM0", ReasonReserved},
		{"COM1", ReasonReserved},
		{"com9.log", ReasonReserved},
		{"LPT0", ReasonReserved},
		{"lpt5", ReasonReserved},
		{"LPT9.txt", ReasonReserved},
		{"COM¹", ReasonReserved},
		{"com².txt", ReasonReserved},
		{"LPT³", ReasonReserved},
		{"CONIN$", ReasonReserved},
		{"conout$.txt", ReasonReserved},
		{long + "a", ReasonNameTooLong},
		{longRunes + "é", ReasonNameTooLong},
		{"x.lempar-partial", ReasonPartial},
		{"x.LEMPAR-Partial", ReasonPartial},
		{".lempar-partial", ReasonPartial},
	}
	for _, tt := range tests {
		err := ValidateName(tt.name)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("ValidateName(%q) = %v, want accepted", tt.name, err)
			}
			continue
		}
		var ne *NameError
		if !errors.As(err, &ne) {
			t.Errorf("ValidateName(%q) = %v, want NameError %s", tt.name, err, tt.reason)
			continue
		}
		if ne.Reason != tt.reason || ne.Path != tt.name {
			t.Errorf("ValidateName(%q) = {%q, %s}, want reason %s", tt.name, ne.Path, ne.Reason, tt.reason)
		}
	}
}

func TestValidateRelPath(t *testing.T) {
	deep := strings.TrimSuffix(strings.Repeat("d/", MaxPathDepth), "/")
	tests := []struct {
		path   string
		reason string
	}{
		{"photo.jpg", ""},
		{"folder/sub/file.txt", ""},
		{"Foto Liburan/Bali 2024/IMG_0001.JPG", ""},
		{deep, ""},
		{strings.Repeat("x/", 2000) + "y", ReasonTooDeep},

		{"", ReasonEmpty},
		{"/etc/passwd", ReasonAbsolute},
		{"/", ReasonAbsolute},
		{`\\server\share\x`, ReasonAbsolute},
		{`\x`, ReasonAbsolute},
		{"C:", ReasonAbsolute},
		{"c:/windows/system32", ReasonAbsolute},
		{"C:evil", ReasonAbsolute},
		{"a//b", ReasonEmptyElement},
		{"a/", ReasonEmptyElement},
		{deep + "/e", ReasonTooDeep},
		{"../etc/passwd", ReasonDots},
		{"a/../../b", ReasonDots},
		{"a/./b", ReasonDots},
		{"a/..", ReasonDots},
		{`a/..\b`, ReasonSeparator},
		{"docs/CON/readme.txt", ReasonReserved},
		{"docs/nul", ReasonReserved},
		{"a/b:c", ReasonWindowsChar},
		{"a/b /c", ReasonTrailing},
		{"a/\x00", ReasonControl},
		{"a/\xfe", ReasonEncoding},
		{"a/" + strings.Repeat("n", MaxNameBytes+1), ReasonNameTooLong},
		{"a/b.lempar-partial", ReasonPartial},
		{strings.Repeat(strings.Repeat("n", 200)+"/", 21) + "x", ReasonPathTooLong},
	}
	for _, tt := range tests {
		err := ValidateRelPath(tt.path)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("ValidateRelPath(%.40q) = %v, want accepted", tt.path, err)
			}
			continue
		}
		var ne *NameError
		if !errors.As(err, &ne) || ne.Reason != tt.reason || ne.Path != tt.path {
			t.Errorf("ValidateRelPath(%.40q) = %v, want %s", tt.path, err, tt.reason)
		}
	}
}

func TestNameErrorText(t *testing.T) {
	err := ValidateName("CON.txt")
	want := `The sender offered a file named "CON.txt", which isn't allowed on Windows`
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Error() = %q, want prefix %q", err.Error(), want)
	}
	id := err.(*NameError).Localize(i18n.Load("id"))
	if !strings.Contains(id, `"CON.txt"`) || !strings.Contains(id, "Windows") || id == err.Error() {
		t.Errorf("Indonesian text = %q", id)
	}

	// A hostile name must not reach a terminal raw.
	err = ValidateName("\x1b]0;pwned\x07")
	if s := err.Error(); strings.ContainsAny(s, "\x1b\x07") || !strings.Contains(s, `\x1b`) {
		t.Errorf("control characters not escaped: %q", s)
	}

	// A huge path is shortened for display.
	err = ValidateRelPath(strings.Repeat("n/", 3000))
	if s := err.Error(); len(s) > 600 || !strings.Contains(s, "…") {
		t.Errorf("long path not shortened (%d bytes): %.100q", len(s), s)
	}
}

// Every reason must have real text in every language, and the limits quoted
// in the English text must be the ones enforced.
func TestNameReasonsTranslated(t *testing.T) {
	reasons := map[string]string{
		ReasonEmpty: "", ReasonDots: "", ReasonSeparator: "", ReasonEncoding: "",
		ReasonControl: "", ReasonWindowsChar: "", ReasonTrailing: "", ReasonReserved: "",
		ReasonNameTooLong: strconv.Itoa(MaxNameBytes), ReasonPartial: PartialSuffix,
		ReasonAbsolute: "", ReasonEmptyElement: "",
		ReasonPathTooLong: strconv.Itoa(MaxPathBytes), ReasonTooDeep: strconv.Itoa(MaxPathDepth),
	}
	for _, lang := range i18n.Locales {
		c, err := i18n.Catalog(lang)
		if err != nil {
			t.Fatal(err)
		}
		for key, mustContain := range reasons {
			s, ok := c[key]
			if !ok {
				t.Errorf("%s.json lacks %s", lang, key)
				continue
			}
			if !strings.Contains(s, mustContain) {
				t.Errorf("%s %s = %q, should mention %q", lang, key, s, mustContain)
			}
		}
	}
}

func TestConflictName(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want string
	}{
		{"photo.jpg", 1, "photo (1).jpg"},
		{"photo.jpg", 12, "photo (12).jpg"},
		{"archive.tar.gz", 2, "archive (2).tar.gz"},
		{"logs.TAR.XZ", 1, "logs (1).TAR.XZ"},
		{"src.tar.bz2", 3, "src (3).tar.bz2"},
		{"plain.tar", 1, "plain (1).tar"},
		{"README", 1, "README (1)"},
		{".bashrc", 1, ".bashrc (1)"},
		{".tar.gz", 1, ".tar (1).gz"},
		{"a.b.c", 1, "a.b (1).c"},
		{"photo.jpg", 0, "photo.jpg"},
	}
	for _, tt := range tests {
		if got := ConflictName(tt.name, tt.n); got != tt.want {
			t.Errorf("ConflictName(%q, %d) = %q, want %q", tt.name, tt.n, got, tt.want)
		}
	}
}

func TestConflictNameStaysValid(t *testing.T) {
	names := []string{
		strings.Repeat("a", MaxNameBytes),
		strings.Repeat("a", MaxNameBytes-4) + ".jpg",
		strings.Repeat("é", 125) + ".txt",          // cut must not split é
		strings.Repeat("日", 80) + ".tar.gz",        // 3-byte runes
		"a." + strings.Repeat("x", MaxNameBytes-2), // extension too long to keep
		"." + strings.Repeat("x", MaxNameBytes-1),
		"CON (x).txt",
	}
	for _, name := range names {
		if err := ValidateName(name); err != nil {
			t.Fatalf("test input %q invalid: %v", name, err)
		}
		for _, n := range []int{1, 9, 10, 1 << 40} {
			got := ConflictName(name, n)
			if err := ValidateName(got); err != nil {
				t.Errorf("ConflictName(%.20q…, %d) = %.30q…: %v", name, n, got, err)
			}
			if !utf8.ValidString(got) || len(got) > MaxNameBytes {
				t.Errorf("ConflictName(%.20q…, %d): %d bytes, valid UTF-8 %v", name, n, len(got), utf8.ValidString(got))
			}
			if !strings.Contains(got, "("+strconv.Itoa(n)+")") {
				t.Errorf("ConflictName(%.20q…, %d) = %q lost its number", name, n, got)
			}
			if got == name {
				t.Errorf("ConflictName(%.20q…, %d) returned the same name", name, n)
			}
		}
	}
	// The kept extension survives trimming.
	if got := ConflictName(strings.Repeat("a", MaxNameBytes-4)+".jpg", 1); !strings.HasSuffix(got, " (1).jpg") {
		t.Errorf("extension lost: %q", got)
	}
}
