package savedir

import (
	"errors"
	"strings"
	"testing"
)

func TestSafeRelPath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"photo.jpg", "photo.jpg"},
		{"Meeting notes: 10:30.txt", "Meeting notes_ 10_30.txt"},
		{"what?.txt", "what_.txt"},
		{`a<b>c"d|e*f`, "a_b_c_d_e_f"},
		{"ends with dot.", "ends with dot_"},
		{"ends with space ", "ends with space_"},
		{"dots..", "dots__"},
		{"con.txt", "con_.txt"},
		{"CON.txt", "CON_.txt"},
		{"nul", "nul_"},
		{"COM1.tar.gz", "COM1_.tar.gz"},
		{"x.lempar-partial", "x.lempar-partial_"},
		{"Fotos: 2024/IMG?.JPG", "Fotos_ 2024/IMG_.JPG"},
		{"aux./b", "aux_/b"},
	} {
		got, err := SafeRelPath(c.in)
		if err != nil || got != c.want {
			t.Errorf("SafeRelPath(%q) = %q, %v; want %q", c.in, got, err, c.want)
			continue
		}
		if err := ValidateRelPath(got); err != nil {
			t.Errorf("SafeRelPath(%q) = %q, which is refused: %v", c.in, got, err)
		}
	}
}

func TestSafeRelPathRefuses(t *testing.T) {
	for _, c := range []struct{ in, reason string }{
		{"", ReasonEmpty},
		{"..", ReasonDots},
		{"a/../b", ReasonDots},
		{"/etc/passwd", ReasonAbsolute},
		{`\\srv\share`, ReasonAbsolute},
		{"C:x", ReasonAbsolute},
		{"a//b", ReasonEmptyElement},
		{`a\b`, ReasonSeparator},
		{"a\x00b", ReasonControl},
		{"bell\a:.txt", ReasonControl},
		{"invoice\u202efdp.exe", ReasonInvisible},
		{"what?\u200b.txt", ReasonInvisible},
		{"\xff:", ReasonEncoding},
		{strings.Repeat("a", 256), ReasonNameTooLong},
		{strings.Repeat("a", 254) + ":", ""}, // maps to 255 bytes: fine
		{strings.Repeat("a", 256) + "/con", ReasonNameTooLong},
	} {
		got, err := SafeRelPath(c.in)
		if c.reason == "" {
			if err != nil {
				t.Errorf("SafeRelPath(%q): %v", c.in, err)
			}
			continue
		}
		var ne *NameError
		if !errors.As(err, &ne) || ne.Reason != c.reason || ne.Path != c.in {
			t.Errorf("SafeRelPath(%q) = %q, %v; want refusal %s", c.in, got, err, c.reason)
		}
	}
	// A reserved name at the length limit can't take its "_".
	if got, err := SafeRelPath("con." + strings.Repeat("x", 251)); err == nil {
		t.Errorf("SafeRelPath of a 255-byte reserved name = %q, want a refusal", got)
	}
}

func TestNamesCaseClash(t *testing.T) {
	var n Names
	for _, c := range []struct {
		in, want string
		dir      bool
	}{
		{"image.jpg", "image.jpg", false},
		{"IMAGE.JPG", "IMAGE (1).JPG", false},
		{"Image.jpg", "Image (2).jpg", false},
		{"ab:c.txt", "ab_c.txt", false},
		{"ab_c.txt", "ab_c (1).txt", false}, // the mapped name clashes too
		{"Foto", "Foto", true},
		{"Foto/x.jpg", "Foto/x.jpg", false},
		{"foto", "foto (1)", true},
		{"foto/x.jpg", "foto (1)/x.jpg", false},
		{"Foto/X.JPG", "Foto/X (1).JPG", false},
		{"Foto", "Foto", true}, // the folder again: the same folder
		{"new/sub/f", "new/sub/f", false},
		{"NEW/sub/f", "NEW (1)/sub/f", false},
		{"new/sub", "new/sub", true}, // a folder after its items follows them
	} {
		var got string
		var err error
		if c.dir {
			got, err = n.Dir(c.in)
		} else {
			got, err = n.Save(c.in)
		}
		if err != nil || got != c.want {
			t.Errorf("Save(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := n.Save("../x"); err == nil {
		t.Error("Save(../x) was accepted")
	}
}

func FuzzSafeRelPath(f *testing.F) {
	for _, s := range []string{
		"photo.jpg", "Meeting notes: 10:30.txt", "con.txt", "ends.", "a /b", "../x",
		"/abs", "C:x", `a\b`, "x\u202e.txt", "IMAGE.JPG", "com¹.x", "a/b.lempar-partial",
		strings.Repeat("é", 127) + ":",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := SafeRelPath(p)
		if ValidateRelPath(p) == nil {
			if err != nil || got != p {
				t.Fatalf("valid %q mapped to %q, %v", p, got, err)
			}
		}
		if err != nil {
			var ne *NameError
			if !errors.As(err, &ne) {
				t.Fatalf("SafeRelPath(%q) error %v is no NameError", p, err)
			}
			switch ne.Reason {
			case ReasonWindowsChar, ReasonTrailing, ReasonPartial:
				t.Fatalf("SafeRelPath(%q) refused a mappable name: %s", p, ne.Reason)
			}
			return
		}
		if err := ValidateRelPath(got); err != nil {
			t.Fatalf("SafeRelPath(%q) = %q, refused: %v", p, got, err)
		}
		if strings.Count(got, "/") != strings.Count(p, "/") {
			t.Fatalf("SafeRelPath(%q) = %q changed the depth", p, got)
		}
		for elem := range strings.SplitSeq(got, "/") {
			checkAcceptedName(t, elem)
		}
		var n Names
		a, err1 := n.Save(p)
		b, err2 := n.Save(strings.ToUpper(p))
		if err1 != nil || a != got {
			t.Fatalf("Names.Save(%q) = %q, %v; SafeRelPath gave %q", p, a, err1, got)
		}
		if err2 == nil && strings.EqualFold(a, b) {
			t.Fatalf("Names gave %q and %q, one file on a case-insensitive disk", a, b)
		}
	})
}
