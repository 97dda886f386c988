package ui

// Entry points for cmd/lempar-shots' offer scenes. Call them on the UI
// thread.

// TickOfferItem ticks or unticks item i of the open offer, as the person
// would.
func (g *GUI) TickOfferItem(i int, keep bool) {
	if d := g.offers.current; d != nil {
		d.items.set(i, keep)
	}
}

// DeclineOffer answers the open offer with Decline, so the next one shows.
func (g *GUI) DeclineOffer() {
	if d := g.offers.current; d != nil {
		g.answerOffer(d, false)
	}
}
