package transfer

import (
	"encoding/hex"
	"fmt"

	"context"
	"crypto/tls"
	"errors"
	"github.com/zeebo/blake3"
	"io"
	"net"
	"sync"
	"time"

	"github.com/lempar/lempar/internal/errcode"
)

// Request is an offer waiting for a decision.
type Request struct {
	Session string
	Peer    PeerInfo
	Code    string // 6-digit verification code; the sender shows the same
	Offer   *Offer
	Dir     string // where files will go unless the answer changes it
	Expires time.Time
}

// Answer is the decision on a Request.
type Answer struct {
	Accept bool
	Dir    string // "" keeps Request.Dir
	// Always asks to accept from this device without asking from now on
	// (the person ticked "always accept"); the app's trust rules keep it.
	Always bool
	// Items, when set, is parallel to Request.Offer.Items: false skips that
	// item (the person unticked it). A skipped folder skips everything in
	// it. nil accepts everything; an answer that keeps nothing declines.
	Items []bool
}

// Acceptor decides on incoming offers: a dialog, a terminal prompt or a
// trust rule. Decide must return when ctx ends (the offer expired or the
// sender gave up); its answer is then ignored.
type Acceptor interface {
	Decide(ctx context.Context, r *Request) Answer
}

// AcceptorFunc adapts a function to Acceptor.
type AcceptorFunc func(ctx context.Context, r *Request) Answer

func (f AcceptorFunc) Decide(ctx context.Context, r *Request) Answer { return f(ctx, r) }

// Server receives. Fields are set before Serve and not changed after,
// except through the funcs, which are called for every session.
type Server struct {
	Identity *Identity
	Hello    func() Hello  // this device's hello; called per connection
	Dir      func() string // the download folder
	Acceptor Acceptor
	OnEvent  func(Event)
	// OnRefused hears about connections refused before an offer reached a
	// person (bad offer, busy, wrong version): for logs, not dialogs, so a
	// flood can't stack windows.
	OnRefused func(peer PeerInfo, err error)

	MaxSessions int // concurrent incoming sessions; default DefaultMaxSessions
	// Trusted reports devices (by ID) exempt from the per-address offer
	// rate: a known device sending many files one by one is not a flood.
	Trusted       func(id string) bool
	MaxHandshakes int           // concurrent connections not past hello; default DefaultMaxHandshakes
	OfferTimeout  time.Duration // default OfferTimeout

	// RetryWindow is how long an accepted session whose link dropped waits
	// for its sender to come back; default DefaultRetryFor plus a minute.
	RetryWindow time.Duration
	// IdleTimeout is how long a connection may stay silent; default
	// IdleTimeout. (Tests lengthen it to let a sender notice a drop first.)
	IdleTimeout time.Duration

	mu       sync.Mutex // guards sessions, claimed, parked, perAddr and the limits below
	sessions map[string]*receive
	claimed  map[string]bool // dir+partial in use by a live session
	parked   map[string]*parked
	perAddr  map[string]*addrBudget

	// See limits.go.
	halfOpen           map[*halfOpen]bool
	active, strangers  int // sessions past hello, and those of strangers
	offerBytes         int64
	strangerOfferBytes int64
	holds              map[*receive]*offerHold

	swarms         swarmHost     // swarms this device is a member of (swarm_rx.go)
	swarmCorrupt   bool          // tests only: serve damaged pieces to other members
	swarmless      bool          // tests only: a hello without capabilities, as older builds send
	swarmSlow      time.Duration // tests only: a slow disk, per piece taken in
	swarmJoinDelay time.Duration // tests only: a member slow to join after its manifest

	spaceMu  sync.Mutex // guards reserved
	reserved map[*receive]spaceHold
}

// Per-address limits: one host can't fill every session slot or stack
// dialogs, however fast it offers. Legitimate use is one or two offers at a
// time; a retrying sender reconnects a few times a minute at most.
const (
	maxSessionsPerAddr = 2
	offersPerMinute    = 30
	offerBurst         = 10
)

// maxHandshakesPerAddr keeps one host from using up the shared handshake
// slots with connections that never speak, which would lock every other
// device out for the handshake timeout.
const maxHandshakesPerAddr = 8

// addrBudget is a token bucket of offers plus a count of live sessions.
type addrBudget struct {
	handshakes int // connections from this host not yet past hello
	active     int
	tokens     float64
	last       time.Time
}

func (s *Server) budget(host string) *addrBudget {
	if s.perAddr == nil {
		s.perAddr = map[string]*addrBudget{}
	}
	b := s.perAddr[host]
	if b == nil {
		b = &addrBudget{tokens: offerBurst, last: time.Now()}
		s.perAddr[host] = b
	}
	return b
}

// parked is an accepted session whose link dropped. The same sender
// offering the same session again continues it without a second accept.
type parked struct {
	peerID string
	dir    string
	sig    string // what was offered: a restarted sender offers it again under a new session ID
	items  []bool // the person's choice of items (nil: all), kept for the resume
	tr     *tracker
	timer  *time.Timer
	since  time.Time
	giveUp func()
}

// offerSig identifies an offer's content, to recognise a resend.
func offerSig(o *Offer) string {
	h := blake3.New()
	for _, it := range o.Items {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00", it.Kind, it.Path, it.Size, it.MTime)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func (s *Server) park(id string, p *parked, giveUp func()) {
	d := s.RetryWindow
	if d <= 0 {
		d = DefaultRetryFor + time.Minute
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p.since, p.giveUp = time.Now(), giveUp
	if n, oldID, old := s.parkedByLocked(p.peerID); n >= maxParkedPerDevice && old.timer.Stop() {
		// One device can't keep unbounded partial sessions waiting.
		delete(s.parked, oldID)
		go old.giveUp()
	}
	p.timer = time.AfterFunc(d, func() {
		s.mu.Lock()
		cur := s.parked[id]
		if cur == p {
			delete(s.parked, id)
		}
		s.mu.Unlock()
		if cur == p {
			giveUp()
		}
	})
	s.parked[id] = p
}

// unpark returns the parked session this offer continues: the same session
// (the sender retried), or the same content from the same device (the
// sender was restarted and sent again), which then needs no second accept.
func (s *Server) unpark(id, peerID, sig string) *parked {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, p := id, s.parked[id]
	if p == nil {
		for k, q := range s.parked {
			if q.peerID == peerID && q.sig == sig {
				key, p = k, q
				break
			}
		}
	}
	if p == nil || p.peerID != peerID || p.sig != sig {
		return nil
	}
	if !p.timer.Stop() {
		return nil // giving up right now
	}
	delete(s.parked, key)
	if p.tr.ended() {
		// It finished after all (a swarm member whose last file was
		// placed as the sender hung up): a new offer is a new transfer,
		// not a continuation that no event would ever report.
		return nil
	}
	return p
}

// dropParked fails every parked session (the server is stopping).
func (s *Server) dropParked() {
	s.mu.Lock()
	all := s.parked
	s.parked = map[string]*parked{}
	s.mu.Unlock()
	for _, p := range all {
		if p.timer.Stop() {
			p.tr.finish(StateFailed, newErr(errcode.Cancelled, nil))
		}
	}
}

// Serve accepts connections on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	s.sessions = map[string]*receive{}
	s.claimed = map[string]bool{}
	s.parked = map[string]*parked{}
	s.mu.Unlock()
	defer s.dropParked()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	s.swarms.start(ctx)
	defer s.swarms.stop() // before wg.Wait: it ends the swarms' links
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		ho, ok := s.startHandshake(c, host)
		if !ok {
			c.Close() // one host holding many silent connections; real peers retry
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handle(ctx, c, host, ho)
		}()
	}
}

// Cancel stops an incoming session; the sender is told.
func (s *Server) Cancel(session string) bool {
	s.mu.Lock()
	rx := s.sessions[session]
	s.mu.Unlock()
	if rx != nil {
		rx.cancel(newErr(errcode.Cancelled, nil))
	}
	return rx != nil
}

func (s *Server) refused(p PeerInfo, err error) {
	if s.OnRefused != nil {
		s.OnRefused(p, err)
	}
}

func (s *Server) handle(ctx context.Context, raw net.Conn, host string, ho *halfOpen) {
	release := func() { s.endHandshake(ho) }
	defer release()
	defer raw.Close()

	tc := tls.Server(raw, s.Identity.ServerTLS())
	hctx, cancel := context.WithTimeout(ctx, HandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		if errors.Is(err, io.EOF) {
			return // a reachability probe: connect, then hang up
		}
		s.refused(PeerInfo{Addr: raw.RemoteAddr().String()}, newErr(errcode.Handshake, err, "Name", raw.RemoteAddr().String(), "Addr", raw.RemoteAddr().String()))
		return
	}
	ss := newSession(tc)
	if s.IdleTimeout > 0 {
		ss.fr.timeout = s.IdleTimeout
	}
	defer ss.close()
	if err := ss.afterHandshake(); err != nil {
		return
	}
	ours := helloFor(s.Hello())
	if s.swarmless {
		ours.Caps = nil // tests: an older Lempar
	}
	hello, err := exchangeHello(ss, ours, false)
	if err != nil {
		s.refused(ss.peer, err)
		return
	}
	if hello.Probe {
		return
	}
	release()
	if hello.Swarm != "" {
		s.swarms.link(ss, hello.Swarm) // a member of one of our swarms, or refused
		return
	}

	known := s.Trusted != nil && s.Trusted(ss.peer.ID)
	switch s.admit(host, known) {
	case admitRateLimited:
		s.refuseWith(ss, ErrorMsg{Code: errcode.Busy.String()})
		s.refused(ss.peer, newErr(errcode.RateLimited, nil, "Name", ss.peer.Name, "Addr", host))
		return
	case admitBusy:
		s.refuseWith(ss, ErrorMsg{Code: errcode.Busy.String()})
		s.refused(ss.peer, newErr(errcode.BusyLocal, nil, "Name", ss.peer.Name))
		return
	}
	defer s.leave(host, known)

	offer, hold, err := s.readOffer(ss, known)
	if err != nil || offer == nil {
		if err != nil {
			s.refused(ss.peer, err)
		}
		return
	}
	rx := newReceive(s, ss, offer)
	s.mu.Lock()
	if s.holds == nil {
		s.holds = map[*receive]*offerHold{}
	}
	s.holds[rx] = hold
	s.mu.Unlock()
	defer rx.decided() // whatever happened, the offer is no longer pending
	defer s.releaseSpace(rx)
	s.supersede(offer.Session, ss.peer.ID, rx.sig)
	if p := s.unpark(offer.Session, ss.peer.ID, rx.sig); p != nil {
		rx.tr, rx.dir, rx.resumed, rx.choice = p.tr, p.dir, true, p.items
		rx.decided()
		rx.tr.update(func(e *Event) { e.Peer.Addr = ss.peer.Addr; e.Code = ss.code })
	}
	rx.run(ctx)
}

// register makes a session cancellable by ID; the returned func removes it.
func (s *Server) register(id string, rx *receive) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.sessions[id]; dup {
		// A peer reusing a live session ID gets its own, unlisted entry.
		return func() {}
	}
	s.sessions[id] = rx
	return func() {
		s.mu.Lock()
		delete(s.sessions, id)
		s.mu.Unlock()
	}
}

// supersede handles a resend of a session this server is still streaming
// (the same session, or the same content from the same device after the
// sender restarted): the link died before we noticed — silently, or just
// now, with our side still lingering — and the sender was quicker. The stale connection is ended as a drop would end it, so the
// session parks and the new connection continues it: no second question
// to the person, no second partial file.
func (s *Server) supersede(id, peerID, sig string) {
	s.mu.Lock()
	old := s.sessions[id]
	if old == nil {
		// A restarted sender offers the same content under a new ID.
		for _, rx := range s.sessions {
			if rx.ss.peer.ID == peerID && rx.sig == sig {
				old = rx
				break
			}
		}
	}
	s.mu.Unlock()
	if old == nil || old.ss.peer.ID != peerID || old.sig != sig || !old.streaming.Load() {
		return
	}
	old.cancel(newErr(errcode.ConnectionLost, errSuperseded, "Name", old.ss.peer.Name))
	t := time.NewTimer(lingerTime + 2*time.Second)
	defer t.Stop()
	select {
	case <-old.ended:
	case <-t.C:
	}
}

var errSuperseded = errors.New("the sender reconnected; this connection was stale")

// claim marks a partial file as written by one session; false if another
// session already writes it.
func (s *Server) claim(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claimed[key] {
		return false
	}
	s.claimed[key] = true
	return true
}

func (s *Server) unclaim(keys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.claimed, k)
	}
}
