package savedir

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkAcceptedName holds the promises ValidateName makes about a name it
// accepts, and that ConflictName keeps them.
func checkAcceptedName(t *testing.T, name string) {
	t.Helper()
	if !filepath.IsLocal(name) || filepath.Base(name) != name {
		t.Fatalf("accepted %q, which is not a single local element here", name)
	}
	if name == ".." || isReservedWindowsName(name) || !utf8.ValidString(name) || len(name) > MaxNameBytes {
		t.Fatalf("accepted %q", name)
	}
	if strings.ContainsAny(name, `/\:`) {
		t.Fatalf("accepted %q with a separator or colon", name)
	}
	for _, n := range []int{1, 2, 10, 12345} {
		c := ConflictName(name, n)
		if err := ValidateName(c); err != nil {
			t.Fatalf("ConflictName(%q, %d) = %q is refused: %v", name, n, c, err)
		}
		if c == name {
			t.Fatalf("ConflictName(%q, %d) did not change the name", name, n)
		}
	}
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{
		"photo.jpg", "archive.tar.gz", ".bashrc", "README", "..", ".", "",
		"CON", "com¹.txt", "CONIN$", "a:b", "a\\b", "a/b", "x.lempar-partial",
		"trailing.", "trailing ", "\x00", "\u0085", "\xff", "日本語.txt",
		strings.Repeat("é", 127) + ".a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidateName(name) != nil {
			return
		}
		checkAcceptedName(t, name)
	})
}

func FuzzValidateRelPath(f *testing.F) {
	for _, s := range []string{
		"a/b/c.txt", "../x", "a/../b", "/abs", `\\srv\share`, "C:x", "c:/x",
		"a//b", "a/", "a/CON/b", "dir/x.lempar-partial", "a/./b",
		strings.Repeat("d/", 63) + "f", "Foto/Bali 2024/IMG_0001.JPG",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if ValidateRelPath(p) != nil {
			return
		}
		if !filepath.IsLocal(filepath.FromSlash(p)) {
			t.Fatalf("accepted %q, which is not local here", p)
		}
		if len(p) > MaxPathBytes || strings.Count(p, "/") >= MaxPathDepth {
			t.Fatalf("accepted %q beyond the limits", p)
		}
		for elem := range strings.SplitSeq(p, "/") {
			if ValidateName(elem) != nil {
				t.Fatalf("accepted %q with a refused element %q", p, elem)
			}
			checkAcceptedName(t, elem)
		}
	})
}
