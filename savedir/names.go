package savedir

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lempar/lempar/internal/i18n"
)

// PartialSuffix marks data that has not been verified yet. A peer may never
// offer a name ending in it, so a planted file can't pass for our own partial.
const PartialSuffix = ".lempar-partial"

// Limits on offered names. 255 bytes is the smallest per-name limit of the
// file systems we write to (ext4, APFS, NTFS counts UTF-16 units, which are
// never more than UTF-8 bytes); 4096 is Linux's PATH_MAX.
const (
	MaxNameBytes = 255
	MaxPathBytes = 4096
	MaxPathDepth = 64
)

// Reasons a name is refused; each is an i18n key whose text takes {{.Name}}.
const (
	ReasonEmpty        = "err.name.empty"
	ReasonDots         = "err.name.dots"
	ReasonSeparator    = "err.name.separator"
	ReasonEncoding     = "err.name.encoding"
	ReasonControl      = "err.name.control"
	ReasonInvisible    = "err.name.invisible"
	ReasonWindowsChar  = "err.name.windows_char"
	ReasonTrailing     = "err.name.trailing"
	ReasonReserved     = "err.name.reserved"
	ReasonNameTooLong  = "err.name.too_long"
	ReasonPartial      = "err.name.partial"
	ReasonAbsolute     = "err.path.absolute"
	ReasonEmptyElement = "err.path.empty_element"
	ReasonPathTooLong  = "err.path.too_long"
	ReasonTooDeep      = "err.path.too_deep"
)

// NameError says why an offered name or path can't be saved. Path is what the
// peer sent (the whole relative path when it came from ValidateRelPath).
type NameError struct {
	Path   string
	Reason string // one of the Reason* i18n keys
}

// Error renders the English text, with the name quoted so that control
// characters or terminal escapes in a hostile name are shown, not obeyed.
func (e *NameError) Error() string { return e.Localize(i18n.Load("en")) }

// Localize renders the text in tr's language.
func (e *NameError) Localize(tr *i18n.Translator) string {
	return tr.T(e.Reason, "Name", displayName(e.Path))
}

// displayName quotes s safely for a terminal or a label and keeps it short
// enough to read; a 4 KiB path helps nobody.
func displayName(s string) string {
	const max = 120
	if utf8.RuneCountInString(s) > max {
		r := []rune(strings.ToValidUTF8(s, "\uFFFD"))
		if len(r) > max {
			s = string(r[:max/2]) + "…" + string(r[len(r)-max/2:])
		}
	}
	return strconv.Quote(s)
}

// ValidateName checks one path element offered by a peer. A name that passes
// can be created as-is on Linux, macOS and Windows without escaping its
// folder, naming a device, or colliding with Lempar's partial files.
func ValidateName(name string) error {
	if r := nameReason(name); r != "" {
		return &NameError{Path: name, Reason: r}
	}
	return nil
}

func nameReason(name string) string {
	switch {
	case name == "":
		return ReasonEmpty
	case name == "." || name == "..":
		return ReasonDots
	case len(name) > MaxNameBytes:
		return ReasonNameTooLong
	case !utf8.ValidString(name):
		return ReasonEncoding
	}
	for _, r := range name {
		switch {
		case r == '/' || r == '\\':
			return ReasonSeparator
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return ReasonControl
		case invisibleRune(r):
			return ReasonInvisible
		case strings.ContainsRune(`<>:"|?*`, r):
			return ReasonWindowsChar
		}
	}
	switch {
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		// Windows silently drops them, so "a." and "a" would be one file.
		return ReasonTrailing
	case isReservedWindowsName(name):
		return ReasonReserved
	case hasSuffixFold(name, PartialSuffix):
		// Case-insensitive because macOS and Windows disks are.
		return ReasonPartial
	}
	return ""
}

// invisibleRune reports zero-width and bidi formatting characters, line and
// paragraph separators and the BOM. A name holding one does not read as what
// it is: "invoice\u202efdp.exe" shows as "invoiceexe.pdf" in a file manager,
// the window and a terminal alike, so such names are refused, not saved.
func invisibleRune(r rune) bool {
	return (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) ||
		(r >= 0x2066 && r <= 0x2069) || r == 0x2028 || r == 0x2029 || r == 0xfeff
}

// isReservedWindowsName follows Windows' own parsing: the device name is
// whatever precedes the first dot, with trailing spaces ignored, so "nul.txt"
// and "CON .tar.gz" open devices too.
func isReservedWindowsName(name string) bool {
	base := name
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	base = strings.TrimRight(base, " ")
	switch strings.ToUpper(base) {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) < 4 {
		return false
	}
	prefix, digit := strings.ToUpper(base[:3]), base[3:]
	if prefix != "COM" && prefix != "LPT" {
		return false
	}
	if len(digit) == 1 && digit[0] >= '0' && digit[0] <= '9' {
		return true
	}
	// Windows also treats superscript one, two and three as port digits.
	return digit == "¹" || digit == "²" || digit == "³"
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// ValidateRelPath checks a slash-separated relative path from an offer: every
// element must pass ValidateName, and the whole must stay inside the folder
// it is saved to on every OS.
func ValidateRelPath(p string) error {
	if r := relPathReason(p); r != "" {
		return &NameError{Path: p, Reason: r}
	}
	return nil
}

func relPathReason(p string) string {
	switch {
	case p == "":
		return ReasonEmpty
	case len(p) > MaxPathBytes:
		return ReasonPathTooLong
	case p[0] == '/' || p[0] == '\\':
		// "\\server\share" and "\x" are rooted on Windows.
		return ReasonAbsolute
	case len(p) >= 2 && p[1] == ':' && isASCIILetter(p[0]):
		return ReasonAbsolute
	}
	if strings.Count(p, "/")+1 > MaxPathDepth {
		return ReasonTooDeep
	}
	for elem := range strings.SplitSeq(p, "/") {
		if elem == "" {
			return ReasonEmptyElement
		}
		if r := nameReason(elem); r != "" {
			return r
		}
	}
	return ""
}

func isASCIILetter(b byte) bool { return (b|0x20) >= 'a' && (b|0x20) <= 'z' }

// ConflictName returns the n-th alternative for a name that already exists:
// "photo.jpg" → "photo (1).jpg", "archive.tar.gz" → "archive (2).tar.gz",
// ".bashrc" → ".bashrc (1)". For a valid name and n ≥ 1 the result is valid
// too; the stem is shortened, on a character boundary, to stay within
// MaxNameBytes. n < 1 returns name unchanged.
func ConflictName(name string, n int) string {
	if n < 1 {
		return name
	}
	stem, ext := splitExt(name)
	mark := " (" + strconv.Itoa(n) + ")"
	if len(ext)+len(mark) >= MaxNameBytes {
		// An absurd extension: keep the mark, give up on the extension.
		stem, ext = name, ""
	}
	if room := MaxNameBytes - len(mark) - len(ext); len(stem) > room {
		stem = truncateUTF8(stem, room)
	}
	return stem + mark + ext
}

// splitExt splits at the extension's dot; a leading dot belongs to the stem
// so ".bashrc" has no extension. Compressed tarballs keep both parts:
// "logs (1).tar.gz" reads right, "logs.tar (1).gz" does not.
func splitExt(name string) (stem, ext string) {
	for _, ce := range [...]string{".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst"} {
		if len(name) > len(ce) && hasSuffixFold(name, ce) {
			return name[:len(name)-len(ce)], name[len(name)-len(ce):]
		}
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[:i], name[i:]
	}
	return name, ""
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
