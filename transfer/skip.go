package transfer

import "strings"

// Partial accept: the person receiving may untick items of an offer. The
// decision then carries Accept=false for them; the sender sends nothing of
// them and both sides' events say how many were skipped.

// MaxSkippedNames bounds Event.SkippedItems: a row or a history entry names
// a few, and a skipped folder of 100,000 photos is one name anyway.
const MaxSkippedNames = 20

// keepsAny reports whether a choice (Answer.Items) keeps at least one of n
// items; a nil choice keeps them all.
func keepsAny(choice []bool, n int) bool {
	if choice == nil {
		return n > 0
	}
	if len(choice) != n {
		return false // not a choice about this offer: take nothing
	}
	for _, k := range choice {
		if k {
			return true
		}
	}
	return false
}

// Kept is, per item of o, whether the choice takes it. A skipped folder
// skips everything under it, so a file is never written into a folder
// that was not made.
func Kept(o *Offer, choice []bool) []bool {
	keep := make([]bool, len(o.Items))
	if choice == nil {
		for i := range keep {
			keep[i] = true
		}
		return keep
	}
	if len(choice) != len(o.Items) {
		return keep
	}
	skippedDirs := map[string]bool{}
	for i, it := range o.Items {
		if it.Kind == KindDir && !choice[i] {
			skippedDirs[it.Path] = true
		}
	}
	for i, it := range o.Items {
		keep[i] = choice[i] && (len(skippedDirs) == 0 || it.Kind == KindText || !under(it.Path, skippedDirs))
	}
	return keep
}

// under reports whether p lies inside one of dirs.
func under(p string, dirs map[string]bool) bool {
	for {
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return false
		}
		p = p[:i]
		if dirs[p] {
			return true
		}
	}
}

// Skip is what a partial accept left out of an offer.
type Skip struct {
	files, texts int   // offered but not taken
	filesAll     int   // offered
	bytes, total int64 // skipped bytes, offered bytes
	names        []string
}

// SkipOf counts the items of o that keep (parallel to o.Items) leaves
// out. Names are top-level: a skipped folder is one name, not its
// thousand files.
func SkipOf(o *Offer, keep []bool) Skip {
	var s Skip
	seen := map[string]bool{}
	for i, it := range o.Items {
		if it.Kind == KindFile {
			s.filesAll++
			s.total += it.Size
		}
		if i < len(keep) && keep[i] {
			continue
		}
		name := it.Path
		switch it.Kind {
		case KindFile:
			s.files++
			s.bytes += it.Size
		case KindText:
			s.texts++
			name = ""
		}
		if top, _, _ := strings.Cut(name, "/"); top != "" && !seen[top] && len(s.names) < MaxSkippedNames {
			seen[top] = true
			s.names = append(s.names, top)
		}
	}
	return s
}

// skipOf is SkipOf for a decision's answers.
func skipOf(o *Offer, d *Decision) Skip {
	keep := make([]bool, len(o.Items))
	for i := range keep {
		keep[i] = i < len(d.Items) && d.Items[i].Accept
	}
	return SkipOf(o, keep)
}

// Any reports whether a file or text was left out.
func (s Skip) Any() bool { return s.files+s.texts > 0 }

// Apply makes an event count only what is taken: Files and Total shrink
// to the accepted ones, Skipped and SkippedItems say what was left out.
// It sets absolute values, so a retried session applies it again safely.
func (s Skip) Apply(e *Event) {
	e.Files = s.filesAll - s.files
	e.Total = s.total - s.bytes
	e.Skipped = s.files + s.texts
	e.SkippedItems = s.names
}

// KeepsAny reports whether a choice (Answer.Items) keeps at least one of n
// items; a nil choice keeps them all.
func KeepsAny(choice []bool, n int) bool { return keepsAny(choice, n) }
