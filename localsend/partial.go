package localsend

import "github.com/lempar/lempar/transfer"

// keep is, per item of an incoming session, whether the person kept it
// (partial accept: the prepare-upload answer then carries tokens only for
// those, and the sender uploads nothing else). The session's event counts
// what is taken and how many were skipped.
func (s *Service) keep(ss *rxSession, offer *transfer.Offer, choice []bool) []bool {
	keep := transfer.Kept(offer, choice)
	if sk := transfer.SkipOf(offer, keep); sk.Any() {
		ss.prog.update(sk.Apply)
	}
	return keep
}

// skipped notes on the sender's row the files the receiver answered
// without a token: its person unticked them, so they are not uploaded.
func (s *sender) skipped(files []outFile, resp PrepareResponse) {
	offer := &transfer.Offer{Items: make([]transfer.Item, len(files))}
	keep := make([]bool, len(files))
	for i, f := range files {
		offer.Items[i] = f.src.Item
		keep[i] = resp.Files[f.id] != ""
	}
	if sk := transfer.SkipOf(offer, keep); sk.Any() {
		s.prog.update(sk.Apply)
	}
}
