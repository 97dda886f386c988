package ui

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lempar/lempar/ui/uitest"
)

// rowChecks are the tick boxes of the list rows drawn in the open offer
// dialog, in item order, and the "All items" box.
func rowChecks(t *testing.T, g *GUI) (rows []*widget.Check, all *widget.Check) {
	t.Helper()
	d := g.offers.current
	if d == nil {
		t.Fatal("no offer open")
	}
	for _, o := range test.LaidOutObjects(g.win.Canvas().Overlays().Top()) {
		if c, ok := o.(*widget.Check); ok && c.Visible() {
			switch {
			case c == d.items.all:
				all = c
			case c != d.always:
				rows = append(rows, c)
			}
		}
	}
	return rows, all
}

// The person unticks a file and the folder stays: the answer carries the
// choice, the totals say what will come, and "All items" shows a dash.
func TestOfferUntickItems(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)})
	rows, all := rowChecks(t, g)
	if len(rows) != 3 || all == nil || !all.Checked {
		t.Fatalf("%d row tick boxes and all=%v, want 3 ticked rows and All ticked", len(rows), all)
	}
	tapCheck(rows[0]) // Laporan keuangan 2024.xlsx
	if !contains(overlayTexts(g), "Receiving 2 of 3 items (1.2 GB)") {
		t.Errorf("the totals did not follow the tick; dialog shows %q", overlayTexts(g))
	}
	if all.Checked || !all.Partial {
		t.Errorf("All items: checked %v partial %v, want a dash", all.Checked, all.Partial)
	}
	test.Tap(g.offers.current.accept)
	if got := f.Answers()["offer-1"]; !got.Accept || !reflect.DeepEqual(got.Items, []bool{false, true, true}) {
		t.Fatalf("answer %+v, want accept without the first item", got)
	}
}

// Nothing ticked: Accept is disabled and Enter does not accept; ticking
// "All items" again takes everything (the answer's Items is nil).
func TestOfferNothingTickedCannotAccept(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)}) // known device: Enter accepts
	d := g.offers.current
	_, all := rowChecks(t, g)
	tapCheck(all)
	if !d.accept.Disabled() {
		t.Fatal("Accept stays enabled with nothing ticked")
	}
	if !contains(overlayTexts(g), "Nothing ticked: tick at least one item to accept, or decline.") {
		t.Errorf("no explanation; dialog shows %q", overlayTexts(g))
	}
	g.win.Canvas().Unfocus() // Enter then reaches the dialog's default, Accept
	press(g, fyne.KeyReturn)
	if _, answered := f.Answers()["offer-1"]; answered || g.offers.current != d {
		t.Fatal("Enter answered an offer with nothing ticked")
	}
	tapCheck(all)
	rows, _ := rowChecks(t, g)
	for i, r := range rows {
		if !r.Checked {
			t.Errorf("row %d stayed unticked after All items", i)
		}
	}
	g.win.Canvas().Unfocus()
	press(g, fyne.KeyReturn)
	if got, ok := f.Answers()["offer-1"]; !ok || !got.Accept || got.Items != nil {
		t.Fatalf("answer %+v (answered %v), want accept of everything", got, ok)
	}
}

// An offer of thousands of files opens with only the visible rows built,
// and an item far down the list can be unticked.
func TestOfferThousandsOfItems(t *testing.T) {
	g, f, _ := newTestGUI(t, LangEnglish)
	o := uitest.DemoOffer(testNow)
	o.Items = nil
	for i := range 5000 {
		o.Items = append(o.Items, ItemInfo{Path: fmt.Sprintf("IMG_%04d.jpg", i), Size: 1000, Kind: KindFile})
	}
	start := time.Now()
	f.Emit(OfferReceived{Offer: o})
	opened := time.Since(start)
	rows, _ := rowChecks(t, g)
	if len(rows) == 0 || len(rows) > 40 {
		t.Fatalf("%d tick boxes built for 5000 items; a list builds the visible rows only", len(rows))
	}
	d := g.offers.current
	d.items.list.ScrollToBottom()
	rows, _ = rowChecks(t, g)
	tapCheck(rows[len(rows)-1])
	if d.items.keep[4999] {
		t.Fatal("the last row's tick box did not untick item 4999")
	}
	test.Tap(d.accept)
	got := f.Answers()["offer-1"].Items
	if len(got) != 5000 || got[4999] || !got[0] {
		t.Fatalf("answer items: %d, last %v", len(got), got[len(got)-1])
	}
	t.Logf("5000-item offer dialog opened in %v", opened)
}

// A partial choice made just before the offer expires is given; one the
// person had not confirmed when it expired is not.
func TestOfferPartialSlowAndNoAnswer(t *testing.T) {
	g, f, c := newTestGUI(t, LangEnglish)
	f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)})
	rows, _ := rowChecks(t, g)
	tapCheck(rows[1])
	c.Advance(2*time.Minute - time.Second)
	if got := g.offers.current.countdown.String(); got != "Answer within 0:01" {
		t.Fatalf("countdown %q", got)
	}
	test.Tap(g.offers.current.accept)
	if got := f.Answers()["offer-1"]; !got.Accept || !reflect.DeepEqual(got.Items, []bool{true, false, true}) {
		t.Fatalf("slow answer %+v", got)
	}

	o := uitest.DemoOffer(testNow.Add(2 * time.Minute))
	o.ID = "offer-2"
	f.Emit(OfferReceived{Offer: o})
	rows, _ = rowChecks(t, g)
	tapCheck(rows[0])
	c.Advance(2 * time.Minute)
	f.Emit(OfferClosed{ID: "offer-2", Reason: OfferExpired})
	if _, answered := f.Answers()["offer-2"]; answered || g.offers.current != nil {
		t.Fatal("an expired offer was answered with the unconfirmed choice")
	}
}
