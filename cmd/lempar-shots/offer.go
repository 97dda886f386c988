package main

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"github.com/lempar/lempar/ui"
	"github.com/lempar/lempar/ui/uitest"
)

// offerScenes shows partial accept, starting with the demo offer open:
// one of its items unticked, then an offer of thousands of photos with a
// few unticked. It leaves that offer open, as the scenes after it expect.
func offerScenes(g *ui.GUI, f *uitest.Fake, now time.Time, shot func(string) error) error {
	fyne.DoAndWait(func() { g.TickOfferItem(0, false) })
	if err := shot("offer-partial"); err != nil {
		return err
	}
	fyne.DoAndWait(g.DeclineOffer)
	many := uitest.DemoOffer(now)
	many.ID, many.Items, many.Total = "offer-many", nil, 0
	for i := range 2400 {
		size := int64(2_400_000 + i*1_337)
		many.Items = append(many.Items, ui.ItemInfo{Path: fmt.Sprintf("IMG_%04d.jpg", i+1), Size: size, Kind: ui.KindFile})
		many.Total += size
	}
	f.Emit(ui.OfferReceived{Offer: many})
	fyne.DoAndWait(func() {
		for _, i := range []int{1, 2, 4} {
			g.TickOfferItem(i, false)
		}
	})
	if err := shot("offer-many"); err != nil {
		return err
	}
	// The sender's side: Sari-PC's person unticked two of five files.
	fyne.DoAndWait(g.DeclineOffer)
	p := uitest.DemoPeers(now)[0]
	f.Emit(ui.TransferUpdated{Transfer: ui.TransferInfo{
		ID: "t-skipped", Direction: ui.Outgoing, PeerID: p.ID, PeerName: p.Name, Name: "Rapat Jumat", Count: 4, Kind: ui.KindDir,
		Done: 36_000_000, Total: 36_000_000, State: ui.Done, Files: 3, Skipped: 2, Started: now.Add(-time.Minute), Finished: now,
	}})
	if err := shot("transfer-skipped"); err != nil {
		return err
	}
	f.Emit(ui.OfferReceived{Offer: many}) // the scenes after this one close an open offer
	return nil
}
