package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lempar/lempar/transfer"
)

// The terminal's partial accept: an offer of several top-level items lists
// them numbered, and an answer of numbers ("1 3") receives only those.

// maxPickShown bounds the numbered list printed; numbers past it can still
// be typed.
const maxPickShown = 10

// tops numbers an offer's top-level items: names in order, and for each
// offered item the index of its top-level item (a folder's files share
// the folder's).
func tops(o *transfer.Offer) (names []string, of []int) {
	of = make([]int, len(o.Items))
	seen := map[string]int{}
	for i, it := range o.Items {
		if it.Kind == transfer.KindText {
			of[i] = len(names)
			names = append(names, "\""+truncate(strings.ReplaceAll(it.Text, "\n", " "), 30)+"\"")
			continue
		}
		top, _, nested := strings.Cut(it.Path, "/")
		if nested || it.Kind == transfer.KindDir {
			if n, ok := seen[top]; ok {
				of[i] = n
				continue
			}
			seen[top] = len(names)
			of[i] = len(names)
			names = append(names, top+"/")
			continue
		}
		of[i] = len(names)
		names = append(names, top)
	}
	return names, of
}

// showPick prints the numbered top-level items and how to pick some; it
// prints nothing for an offer of one item.
func (p *prompter) showPick(r *transfer.Request) {
	names, _ := tops(r.Offer)
	if len(names) < 2 {
		return
	}
	var b strings.Builder
	for i, n := range names {
		if i == maxPickShown {
			b.WriteString("  …")
			break
		}
		fmt.Fprintf(&b, "  %d) %s", i+1, n)
	}
	fmt.Fprintln(p.out, p.tr.T("cli.offer.pick", "N", len(names))+b.String())
}

// pick reads an answer of item numbers: the choice for Answer.Items, or
// ok false when the answer is not a list of numbers. bad is the first
// number out of range.
func pick(o *transfer.Offer, answer string) (keep []bool, ok bool, bad string) {
	fields := strings.FieldsFunc(answer, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	if len(fields) == 0 {
		return nil, false, ""
	}
	names, of := tops(o)
	chosen := make([]bool, len(names))
	for _, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, false, ""
		}
		if n < 1 || n > len(names) {
			return nil, true, f
		}
		chosen[n-1] = true
	}
	keep = make([]bool, len(of))
	for i, t := range of {
		keep[i] = chosen[t]
	}
	return keep, true, ""
}
