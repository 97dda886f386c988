package desktop

import (
	"strings"

	"github.com/lempar/lempar/transfer"
	"github.com/lempar/lempar/ui"
)

// offerTops summarises an offer by its top-level items — a folder of 500
// photos is one line, "Liburan/ — 500 files, 1.2 GB" — and says, for each
// offered item, which line it belongs to: the dialog's tick on a folder
// holds for everything in it.
func offerTops(o *transfer.Offer) ([]ui.ItemInfo, []int) {
	var items []ui.ItemInfo
	of := make([]int, len(o.Items))
	tops := map[string]int{}
	for n, it := range o.Items {
		if it.Kind == transfer.KindText {
			of[n] = len(items)
			items = append(items, ui.ItemInfo{Kind: ui.KindText, Size: it.Size, TextPreview: preview(it.Text)})
			continue
		}
		top, _, nested := strings.Cut(it.Path, "/")
		if !nested && it.Kind == transfer.KindFile {
			of[n] = len(items)
			items = append(items, ui.ItemInfo{Path: it.Path, Size: it.Size, Kind: ui.KindFile})
			continue
		}
		i, ok := tops[top]
		if !ok {
			i = len(items)
			tops[top] = i
			items = append(items, ui.ItemInfo{Path: top, Kind: ui.KindDir})
		}
		of[n] = i
		if it.Kind == transfer.KindFile {
			items[i].Size += it.Size
			items[i].Files++
		}
	}
	return items, of
}

// answerItems turns the dialog's choice, one tick per top-level item, into
// the engine's, one per offered item; nil (everything ticked) stays nil.
func answerItems(o *transfer.Offer, ticks []bool) []bool {
	if ticks == nil {
		return nil
	}
	_, of := offerTops(o)
	keep := make([]bool, len(of))
	for n, i := range of {
		keep[n] = i < len(ticks) && ticks[i]
	}
	return keep
}
