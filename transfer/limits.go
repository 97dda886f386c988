package transfer

import (
	"net"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/savedir"
)

// The receiver's shared resources — connections that have not said hello,
// session slots, memory for offers waiting for a person, free disk space,
// parked sessions — are divided so that strangers, however many addresses
// they use, can never take all of any of them: known devices (by verified
// certificate) keep a reserved share, and a slot without progress is
// reclaimed.
const (
	// DefaultMaxHandshakes bounds connections not yet past hello.
	DefaultMaxHandshakes = 64
	// DefaultMaxSessions bounds sessions past hello: a classroom's eight
	// senders at once all fit as strangers, with two slots kept for known
	// devices.
	DefaultMaxSessions = 10
	// reservedForKnown session slots are never given to strangers.
	reservedForKnown = 2
	// maxKnownPerAddr bounds one known device's concurrent sessions: a
	// person sending a few things at once, not a stuck retry loop.
	maxKnownPerAddr = 4
	// OfferMemory caps the bytes of all offers read and waiting for a
	// decision; strangers together may hold strangerOfferMemory of it.
	// Counted from the frame header, before the payload is read, so a
	// flood of big offers waits its turn (busy) instead of being buffered.
	OfferMemory         = 24 << 20
	strangerOfferMemory = 16 << 20
	// maxParkedPerDevice bounds the dropped sessions one device may keep
	// waiting for a resume; the oldest is given up first.
	maxParkedPerDevice = 4
)

// halfOpen is a connection in its TLS handshake or hello.
type halfOpen struct {
	c    net.Conn
	host string
	at   time.Time
}

// startHandshake takes a half-open slot for c. When all are taken, the
// oldest connection of the host holding the most is closed to make room —
// unless host itself holds as many, in which case c is refused: a flood
// from a few addresses evicts itself, and a newcomer always gets a turn.
func (s *Server) startHandshake(c net.Conn, host string) (*halfOpen, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.budget(host)
	if b.handshakes >= maxHandshakesPerAddr {
		return nil, false
	}
	max := s.MaxHandshakes
	if max <= 0 {
		max = DefaultMaxHandshakes
	}
	if s.halfOpen == nil {
		s.halfOpen = map[*halfOpen]bool{}
	}
	if len(s.halfOpen) >= max {
		var victim *halfOpen
		most := 0
		for h := range s.halfOpen {
			n := s.perAddr[h.host].handshakes
			if n > most || n == most && h.at.Before(victim.at) {
				victim, most = h, n
			}
		}
		if victim == nil || most <= b.handshakes {
			return nil, false
		}
		s.dropHalfOpenLocked(victim)
		_ = victim.c.Close() // its handler sees the error and leaves
	}
	h := &halfOpen{c: c, host: host, at: time.Now()}
	s.halfOpen[h] = true
	b.handshakes++
	return h, true
}

// endHandshake gives the slot back (once; an evicted one is already back).
func (s *Server) endHandshake(h *halfOpen) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropHalfOpenLocked(h)
}

func (s *Server) dropHalfOpenLocked(h *halfOpen) {
	if !s.halfOpen[h] {
		return
	}
	delete(s.halfOpen, h)
	if b := s.perAddr[h.host]; b != nil && b.handshakes > 0 {
		b.handshakes--
	}
}

// admission is the answer to a session asking for a slot.
type admission uint8

const (
	admitted admission = iota
	admitBusy
	admitRateLimited
)

// admit takes a session slot for host. Strangers are held to the per-address
// offer rate and session cap, and never take the slots reserved for known
// devices; known devices have a per-address cap of their own.
func (s *Server) admit(host string, known bool) admission {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.perAddr) > 4096 {
		for k, b := range s.perAddr {
			if b.active == 0 && b.handshakes == 0 && now.Sub(b.last) > time.Minute {
				delete(s.perAddr, k)
			}
		}
	}
	maxSess := s.MaxSessions
	if maxSess <= 0 {
		maxSess = DefaultMaxSessions
	}
	b := s.budget(host)
	b.tokens = min(offerBurst, b.tokens+now.Sub(b.last).Minutes()*offersPerMinute)
	b.last = now
	if known {
		if b.active >= maxKnownPerAddr {
			return admitRateLimited
		}
		if s.active >= maxSess {
			return admitBusy
		}
	} else {
		if b.active >= maxSessionsPerAddr || b.tokens < 1 {
			return admitRateLimited
		}
		if s.active >= maxSess || s.strangers >= max(1, maxSess-reservedForKnown) {
			return admitBusy
		}
		b.tokens--
		s.strangers++
	}
	b.active++
	s.active++
	return admitted
}

// leave gives back what admit took.
func (s *Server) leave(host string, known bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.perAddr[host]; b != nil && b.active > 0 {
		b.active--
	}
	s.active--
	if !known {
		s.strangers--
	}
}

// offerHold is memory taken for one offer until it is decided.
type offerHold struct {
	s     *Server
	n     int64
	known bool
}

// holdOffer reserves n bytes of offer memory, or reports that there is no
// room now (the sender hears "busy" and may try again).
func (s *Server) holdOffer(n int, known bool) *offerHold {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.offerBytes+int64(n) > OfferMemory || !known && s.strangerOfferBytes+int64(n) > strangerOfferMemory {
		return nil
	}
	s.offerBytes += int64(n)
	if !known {
		s.strangerOfferBytes += int64(n)
	}
	return &offerHold{s: s, n: int64(n), known: known}
}

// release gives the memory back; safe to call more than once.
func (h *offerHold) release() {
	if h == nil {
		return
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	if h.n == 0 {
		return
	}
	h.s.offerBytes -= h.n
	if !h.known {
		h.s.strangerOfferBytes -= h.n
	}
	h.n = 0
}

// decided is called once the person (or a rule) answered: the offer then
// belongs to a session slot, and its memory no longer counts as pending.
func (rx *receive) decided() {
	rx.srv.mu.Lock()
	h := rx.srv.holds[rx]
	delete(rx.srv.holds, rx)
	rx.srv.mu.Unlock()
	h.release()
}

// reserveSpace checks that dir's disk holds need more bytes on top of what
// other sessions accepted but have not written yet, and reserves them for
// rx until releaseSpace: two offers accepted at once can't both count on
// the same free space.
func (s *Server) reserveSpace(rx *receive, dir string, need int64, reserve bool) error {
	free, err := savedir.FreeSpace(savedir.ExistingParent(dir))
	if err != nil {
		return nil // unknown: the writes themselves will say
	}
	// spaceMu, not mu: progress snapshots are taken under it, and a
	// tracker emits under its own lock into code that may take mu.
	s.spaceMu.Lock()
	defer s.spaceMu.Unlock()
	var others int64
	for o, r := range s.reserved {
		if o != rx {
			others += max(0, r.need-(o.tr.snapshot().Done-r.base))
		}
	}
	total := need + others + freeSpaceSlack
	if uint64(total) > free {
		have := int64(free) - others - freeSpaceSlack
		return newErr(errcode.NoSpace, nil, "Name", rx.ss.peer.Name, "Need", i18n.Bytes(need+freeSpaceSlack), "Free", i18n.Bytes(max(0, have)), "Dir", dir)
	}
	if reserve {
		if s.reserved == nil {
			s.reserved = map[*receive]spaceHold{}
		}
		s.reserved[rx] = spaceHold{need: need, base: rx.tr.snapshot().Done}
	}
	return nil
}

// spaceHold is disk space accepted for a session: need bytes from the
// point where its progress counter stood at base.
type spaceHold struct{ need, base int64 }

func (s *Server) releaseSpace(rx *receive) {
	s.spaceMu.Lock()
	defer s.spaceMu.Unlock()
	delete(s.reserved, rx)
}

// parkedBy counts the parked sessions of one device and finds its oldest.
// Called with s.mu held.
func (s *Server) parkedByLocked(peerID string) (n int, oldestID string, oldest *parked) {
	for id, p := range s.parked {
		if p.peerID != peerID {
			continue
		}
		n++
		if oldest == nil || p.since.Before(oldest.since) {
			oldestID, oldest = id, p
		}
	}
	return n, oldestID, oldest
}
