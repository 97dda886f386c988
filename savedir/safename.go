package savedir

import (
	"hash/maphash"
	"strings"
	"unicode"
)

// SafeRelPath maps a relative path offered by a peer to the path it is saved
// under. Names that are legal on the sender's system but not here or on
// Windows are saved under a safe name instead of refusing the transfer:
//
//   - each of < > : " | ? * becomes "_" ("10:30.txt" → "10_30.txt");
//   - a trailing dot or space becomes "_" ("ends with dot." → "ends with dot_");
//   - a reserved device name gets "_" after its device part ("con.txt" → "con_.txt");
//   - a name ending in ".lempar-partial" gets "_" appended.
//
// Everything that could escape the folder or mislead a person stays refused
// with the same reason ValidateRelPath gives: empty names and elements, "."
// and "..", absolute paths and drive letters, slashes or backslashes inside a
// name, invalid UTF-8, control, zero-width and bidi characters, names and
// paths beyond the limits. A path ValidateRelPath accepts is returned
// unchanged; every path returned passes ValidateRelPath.
func SafeRelPath(p string) (string, error) {
	switch r := relPathReason(p); r {
	case "", ReasonWindowsChar, ReasonTrailing, ReasonReserved, ReasonPartial:
	default:
		return "", &NameError{Path: p, Reason: r}
	}
	var b strings.Builder
	b.Grow(len(p) + 2)
	for i, elem := range strings.Split(p, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		s, r := safeName(elem)
		if r != "" {
			return "", &NameError{Path: p, Reason: r}
		}
		b.WriteString(s)
	}
	out := b.String()
	if r := relPathReason(out); r != "" {
		// A mapped name grew past a limit.
		return "", &NameError{Path: p, Reason: r}
	}
	return out, nil
}

// safeName maps one element; the reason is set when it can't be mapped.
func safeName(name string) (string, string) {
	switch r := nameReason(name); r {
	case "":
		return name, ""
	case ReasonWindowsChar, ReasonTrailing, ReasonReserved, ReasonPartial:
	default:
		return "", r
	}
	b := []byte(name)
	for i, c := range b {
		if strings.IndexByte(`<>:"|?*`, c) >= 0 {
			b[i] = '_'
		}
	}
	for i := len(b) - 1; i >= 0 && (b[i] == '.' || b[i] == ' '); i-- {
		b[i] = '_'
	}
	s := string(b)
	if isReservedWindowsName(s) {
		if i := strings.IndexByte(s, '.'); i >= 0 {
			s = s[:i] + "_" + s[i:]
		} else {
			s += "_"
		}
	}
	if hasSuffixFold(s, PartialSuffix) {
		s += "_"
	}
	if r := nameReason(s); r != "" {
		return "", r
	}
	return s, ""
}

// Names gives the items of one offer their saved paths: each goes through
// SafeRelPath, and paths that would be one file on a case-insensitive disk
// (macOS, Windows) are told apart with " (1)", " (2)": "image.jpg" and
// "IMAGE.JPG" are saved as "image.jpg" and "IMAGE (1).JPG". Items inside a
// folder follow the folder's saved name. The zero value is ready to use;
// it holds hashes of the saved paths, not the strings, plus the folders.
type Names struct {
	seed  maphash.Seed
	taken map[uint64]struct{} // case-folded saved paths
	dirs  map[string]string   // offered folder → saved folder
}

// Save returns the path p (as offered) is saved under, or why it can't be.
// Offering the same path twice returns the same folder prefix but a distinct
// leaf; callers refuse exact duplicates themselves.
func (n *Names) Save(p string) (string, error) { return n.save(p, false) }

// Dir is Save for a folder: offering it again, or items inside it before
// or after it, all land in the one saved folder.
func (n *Names) Dir(p string) (string, error) { return n.save(p, true) }

func (n *Names) save(p string, isDir bool) (string, error) {
	safe, err := SafeRelPath(p)
	if err != nil {
		return "", err
	}
	if n.taken == nil {
		n.seed, n.taken, n.dirs = maphash.MakeSeed(), map[uint64]struct{}{}, map[string]string{}
	}
	orig := strings.Split(p, "/")
	elems := strings.Split(safe, "/")
	parent := ""
	for i, elem := range elems {
		origPrefix := strings.Join(orig[:i+1], "/")
		last := i == len(elems)-1
		if !last || isDir {
			if d, ok := n.dirs[origPrefix]; ok {
				parent = d
				continue
			}
		}
		cand := join(parent, elem)
		for k := 1; n.has(cand); k++ {
			cand = join(parent, ConflictName(elem, k))
		}
		n.taken[n.key(cand)] = struct{}{}
		if !last || isDir {
			n.dirs[origPrefix] = cand
		}
		parent = cand
	}
	if r := relPathReason(parent); r != "" {
		return "", &NameError{Path: p, Reason: r}
	}
	return parent, nil
}

func (n *Names) has(p string) bool {
	_, ok := n.taken[n.key(p)]
	return ok
}

// key hashes p case-folded: names strings.EqualFold calls equal (which
// includes "Π" and "ϖ", not only "A" and "a") share a key.
func (n *Names) key(p string) uint64 {
	return maphash.String(n.seed, strings.Map(foldRune, p))
}

// foldRune is the smallest rune of r's case-folding orbit.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

func join(parent, elem string) string {
	if parent == "" {
		return elem
	}
	return parent + "/" + elem
}
