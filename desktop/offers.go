package desktop

import (
	"context"
	"path"
	"strings"
	"time"

	"github.com/lempar/lempar/transfer"
	"github.com/lempar/lempar/ui"
)

// Decide implements transfer.Acceptor by asking the window. Trust rules
// (known devices, auto-accept) already ran in app.Node; this is the person.
func (b *Backend) Decide(ctx context.Context, r *transfer.Request) transfer.Answer {
	info := offerInfo(r)
	if b.dev != nil && b.dev.Trust != nil {
		_, info.Known = b.dev.Trust.Get(r.Peer.ID)
		info.Known = info.Known && r.Peer.Verified // a claimed ID is nobody known
		info.NameClash = !info.Known && b.dev.Trust.NameClash(r.Peer.Name, r.Peer.ID)
	}
	info.Unverified = !r.Peer.Verified
	po := &pendingOffer{info: info, answer: make(chan ui.Decision, 1)}
	b.mu.Lock()
	b.offers[info.ID] = po
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.offers, info.ID)
		b.mu.Unlock()
	}()
	b.d.emit(ui.OfferReceived{Offer: info})
	select {
	case d := <-po.answer:
		// The device remembers whom to trust (app's acceptor): the window
		// only passes on what the person ticked.
		return transfer.Answer{Accept: d.Accept, Dir: d.Dir, Always: d.Always, Items: answerItems(r.Offer, d.Items)}
	case <-ctx.Done():
		reason := ui.OfferWithdrawn
		if time.Now().After(r.Expires.Add(-time.Second)) {
			reason = ui.OfferExpired
		}
		b.d.emit(ui.OfferClosed{ID: info.ID, Reason: reason})
		return transfer.Answer{}
	}
}

// Answer implements ui.Backend.
func (b *Backend) Answer(offerID string, d ui.Decision) error {
	b.mu.Lock()
	po, ok := b.offers[offerID]
	b.mu.Unlock()
	if !ok {
		return errOfferGone{b}
	}
	select {
	case po.answer <- d:
	default:
	}
	return nil
}

type errOfferGone struct{ b *Backend }

func (e errOfferGone) Error() string { return e.b.tr.T("ui.error.offer-gone") }

// OnOffer hears every incoming offer, auto-accepted ones included, so a
// row can be named by what it brings before anything is saved.
func (b *Backend) OnOffer(r *transfer.Request) {
	items := offerInfo(r).Items
	b.mu.Lock()
	b.offered[r.Session] = items
	b.mu.Unlock()
}

// OnEvent receives the node's incoming-transfer events.
func (b *Backend) OnEvent(e transfer.Event) {
	if e.Direction != transfer.Incoming {
		return
	}
	if e.State.Final() {
		defer func() {
			b.mu.Lock()
			delete(b.offered, e.Session)
			b.mu.Unlock()
		}()
	}
	if e.State == transfer.StateWaiting {
		return // the offer dialog covers this phase
	}
	b.update(b.transferInfo(e, nil))
}

// offerInfo summarises an offer by its top-level items: a folder of 500
// photos is one line, "Liburan/ — 500 files, 1.2 GB".
func offerInfo(r *transfer.Request) ui.OfferInfo {
	info := ui.OfferInfo{
		ID: r.Session, PeerID: r.Peer.ID, PeerName: r.Peer.Name, Code: r.Code,
		Fingerprint: transfer.Fingerprint(strings.TrimPrefix(strings.ToLower(r.Peer.ID), "localsend:")),
		Total:       r.Offer.Total(), Expires: r.Expires,
	}
	info.Items, _ = offerTops(r.Offer)
	return info
}

func preview(s string) string {
	r := []rune(s)
	if len(r) > 280 {
		return string(r[:280]) + "…"
	}
	return s
}

// transferInfo converts an engine event for the window.
func (b *Backend) transferInfo(e transfer.Event, srcs []transfer.Source) ui.TransferInfo {
	t := ui.TransferInfo{
		ID: e.Session, Direction: ui.Direction(e.Direction), PeerID: e.Peer.ID, PeerName: e.Peer.Name,
		Done: e.Done, Total: e.Total, Rate: e.Rate, ETA: e.ETA, State: ui.TransferState(e.State),
		Skipped: e.Skipped, Files: e.Files,
	}
	if e.Swarm != nil {
		t.Swarm, t.FromPeers, t.SwarmID = true, e.Swarm.FromPeers, e.Swarm.ID
	}
	if e.Err != nil {
		t.Err = b.describe(e.Err)
		if transfer.IsEngineError(e.Err) {
			t.ErrCode = transfer.CodeOf(e.Err).String()
		}
	}
	if e.Code != "" {
		t.Code = e.Code
	}
	b.mu.Lock()
	if _, ok := b.startedAt[e.Session]; !ok {
		b.startedAt[e.Session] = time.Now()
	}
	t.Started = b.startedAt[e.Session]
	offered := b.offered[e.Session]
	b.mu.Unlock()
	if e.State.Final() {
		t.Finished = time.Now()
	}
	if srcs != nil {
		base := transferInfoFromSources(e.Session, e.Peer.ID, e.Peer.Name, srcs)
		t.Name, t.Count, t.Kind, t.Text = base.Name, base.Count, base.Kind, base.Text
		return t
	}
	// Incoming: name it by what was saved.
	tops := map[string]bool{}
	for _, s := range e.Saved {
		top, _, _ := strings.Cut(s, "/")
		tops[top] = true
	}
	t.Count = len(tops) + len(e.Texts)
	t.Kind = ui.KindFile
	if len(e.Saved) > 0 {
		top, _, nested := strings.Cut(e.Saved[0], "/")
		t.Name = top
		if nested {
			t.Kind = ui.KindDir
		}
		if len(tops) == 1 {
			t.SavedTo = path.Join(e.Dir, top)
		} else {
			t.SavedTo = e.Dir
		}
	} else if len(offered) > 0 {
		// Nothing saved yet: the offer says what is coming.
		t.Name, t.Kind = offeredName(offered)
	} else if e.Current != "" {
		t.Name = path.Base(e.Current)
	}
	t.Count = max(t.Count, len(offered)) // the offer's count, not just what is saved so far
	if len(e.Texts) > 0 {
		t.Text = strings.Join(e.Texts, "\n\n")
		if len(e.Saved) == 0 {
			t.Kind, t.Name = ui.KindText, preview(e.Texts[0])
		}
	}
	return t
}

func transferInfoFromSources(session, peerID, peerName string, srcs []transfer.Source) ui.TransferInfo {
	t := ui.TransferInfo{ID: session, Direction: ui.Outgoing, PeerID: peerID, PeerName: peerName, State: ui.Waiting, Kind: ui.KindFile}
	tops := map[string]bool{}
	for _, s := range srcs {
		if s.Kind == transfer.KindText {
			t.Count++
			if t.Name == "" {
				t.Name, t.Kind, t.Text = preview(s.Text), ui.KindText, s.Text
			}
			continue
		}
		t.Total += s.Size
		top, _, nested := strings.Cut(s.Path, "/")
		if !tops[top] {
			tops[top] = true
			t.Count++
			if t.Name == "" || t.Kind == ui.KindText {
				t.Name = top
				t.Kind = ui.KindFile
				if nested || s.Kind == transfer.KindDir {
					t.Kind = ui.KindDir
				}
			}
		}
	}
	return t
}

// offeredName names an incoming transfer by its offer, as a sent one is
// named by its sources: the first file or folder, else the first text.
func offeredName(items []ui.ItemInfo) (string, ui.ItemKind) {
	for _, it := range items {
		if it.Kind != ui.KindText {
			return it.Path, it.Kind
		}
	}
	return items[0].TextPreview, ui.KindText
}
