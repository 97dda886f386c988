package discovery

import (
	"net/netip"
	"time"
)

// DefaultExternalTTL is how long a device found by another protocol stays
// listed without news from it, when Observe is given no TTL.
const DefaultExternalTTL = 2 * time.Minute

// Observe lists, or refreshes, a device that another protocol found (a
// LocalSend app announcing itself, say). Such a device can't be probed the
// Lempar way, so it is kept for ttl after its last Observe and then lost.
// p.ID must not look like a Lempar device ID (64 hex digits), so a foreign
// announcement can never replace a Lempar device; p.Source says which
// protocol (SourceLocalSend); only p.Addr() is kept as its address.
func (s *Service) Observe(p Peer, ttl time.Duration) {
	if ttl <= 0 {
		ttl = DefaultExternalTTL
	}
	now := s.clock.Now()
	s.apply(func(t *table) { t.observeExternal(now, p, ttl) })
}

// Forget drops a device that Observe listed (its app said it is leaving,
// or the protocol was turned off). Other devices are left alone.
func (s *Service) Forget(id string) {
	s.apply(func(t *table) {
		if e := t.peers[id]; e != nil && isExternal(e) {
			t.lose(e)
		}
	})
}

func isExternal(e *entry) bool { return e.hasDirect && e.direct >= SourceLocalSend }

// observeExternal keeps an external device in the confirm phase with its
// deadline ttl away: tick loses a confirming peer at phaseEnd, and with
// retried set it neither queries nor probes it first. Each observation
// pushes the deadline back. That is the whole lifecycle such a peer needs.
func (t *table) observeExternal(now time.Time, p Peer, ttl time.Duration) {
	if p.ID == "" || p.ID == t.self || validID(p.ID) || p.Source < SourceLocalSend || !p.Addr().IsValid() {
		return
	}
	e := t.peers[p.ID]
	if e == nil {
		e = &entry{p: Peer{ID: p.ID}, created: now, addrs: map[netip.Addr]time.Time{}}
		t.peers[p.ID] = e
	}
	defer t.noteDue(e)
	before := t.view(e)
	e.p.Name, e.p.OS, e.p.Proto = p.Name, p.OS, p.Proto
	e.hasDirect, e.direct = true, p.Source
	e.directAddr, e.best = p.Addr(), p.Addr()
	e.heard, e.p.LastSeen = now, now
	e.p.Reachable = true
	e.phase, e.phaseEnd, e.retried = phaseConfirm, now.Add(ttl), true
	e.gen++ // a probe answer from before can't revive or change it
	switch {
	case !e.announced:
		t.announce(e)
	case !samePeer(before, t.view(e)):
		t.emit(PeerUpdated, e)
	}
}
