package transfer

import (
	"context"
	"crypto/tls"
	"errors"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/lempar/lempar/internal/errcode"
)

// SendOptions says where to send and how to report.
type SendOptions struct {
	Addr     string // host:port of the receiver
	PeerID   string // expected device ID (pinned); "" trusts on first use
	PeerName string // how the person knows the receiver, for messages
	Hello    Hello  // this device's name and app version
	OnEvent  func(Event)
	// Session reuses a session ID, so a retried transfer stays one
	// transfer in the history; "" makes a new one.
	Session string
	// RetryFor is how long to keep trying to reach the receiver again after
	// the link drops once the offer was accepted; the receiver then resumes
	// the same session without asking its person again. 0 = don't retry.
	RetryFor time.Duration
	// Swarm, when set, makes this target a candidate member of a swarm
	// (swarm_doc.go); a receiver without the capability gets a direct
	// transfer.
	Swarm *SwarmTarget
	// Resolve, when set, says where the receiver is now: its addresses,
	// best first (discovery, then its last known address). Every retry
	// asks again, and a retry waiting out its backoff goes at once when a
	// new address appears, so a receiver that came back at another
	// address (roaming, a new DHCP lease) is found. It is given the pinned
	// ID (a retry always has one: retries follow an accepted offer).
	Resolve func(ctx context.Context, peerID string) []string
}

// DefaultRetryFor is how long a sender keeps retrying a dropped transfer.
const DefaultRetryFor = 10 * time.Minute

// retryable errors are those of the link, not of either side's decision.
func retryable(err error) bool {
	switch CodeOf(err) {
	case errcode.ConnectionLost, errcode.Unreachable, errcode.Handshake:
		return true
	}
	return false
}

// Send offers items to the receiver at opt.Addr and streams what it
// accepts. It returns the final event; its error is the reason a transfer
// did not complete (declined, cancelled, failed), as an *Error.
func Send(ctx context.Context, id *Identity, opt SendOptions, items []Source) (Event, error) {
	if opt.Session == "" {
		opt.Session = uuid.NewString()
	}
	offer := &Offer{Session: opt.Session, Items: make([]Item, len(items))}
	for i := range items {
		offer.Items[i] = items[i].Item
	}
	files, _, _ := offer.Count()
	name := opt.PeerName
	if name == "" {
		name = opt.Addr
	}
	s := &sender{
		id: id, opt: opt, items: items, offer: offer, name: name,
		tr: newTracker(Event{
			Session: opt.Session, Direction: Outgoing, State: StateWaiting,
			Peer:  PeerInfo{ID: opt.PeerID, Name: opt.PeerName, Addr: opt.Addr},
			Files: files, Total: offer.Total(),
		}, opt.OnEvent),
	}
	defer opt.Swarm.decide(nil) // whatever happened, this target has answered
	err := s.runWithRetry(ctx)
	state := EndState(err)
	if err != nil && state != StateDeclined && ctx.Err() != nil {
		state, err = StateCancelled, newErr(errcode.Cancelled, nil)
	}
	s.tr.finish(state, err)
	return s.tr.snapshot(), err
}

// runWithRetry runs the session and, after an accepted session lost its
// link, reconnects with backoff until RetryFor has passed.
func (s *sender) runWithRetry(ctx context.Context) error {
	var firstFailure time.Time
	backoff := time.Second
	for {
		s.remote.Store(nil)
		err := s.run(ctx)
		s.sentBefore = s.tr.snapshot().Sent
		if err == nil || ctx.Err() != nil || !s.accepted || s.opt.RetryFor <= 0 || !retryable(err) {
			return err
		}
		if firstFailure.IsZero() {
			firstFailure = time.Now()
		}
		if time.Since(firstFailure) > s.opt.RetryFor {
			return err
		}
		s.tr.update(func(e *Event) { e.State = StateRetrying; e.Err = err; e.Rate = 0 })
		if err := s.backoff(ctx, backoff); err != nil {
			return err
		}
		s.attempt++
		backoff = min(backoff*2, 10*time.Second)
		if s.tr.snapshot().Sent > 0 {
			// Progress was made since the last failure: be quick again.
			backoff = min(backoff, 2*time.Second)
		}
	}
}

type sender struct {
	id    *Identity
	opt   SendOptions
	items []Source
	offer *Offer
	name  string
	tr    *tracker
	ss    *session

	accepted   bool            // the receiver accepted this session at least once
	attempt    int             // connections tried before this one
	tried      map[string]bool // addresses the last attempt dialled
	sentBefore int64           // bytes sent by earlier attempts
	peerSwarm  bool            // the receiver's hello offers the swarm capability

	// remote is the reason the peer gave for ending the session, so a write
	// that fails because of it reports the reason, not "connection lost".
	remote atomic.Pointer[error]
}

func (s *sender) run(ctx context.Context) (err error) {
	if err := s.connect(ctx); err != nil {
		return err
	}
	defer func() {
		if ctx.Err() == nil { // a cancel closes by itself, after draining
			s.endSession(err)
		}
	}()

	// From here on, cancelling ctx tells the peer and unblocks everything.
	stop := context.AfterFunc(ctx, func() {
		s.ss.sendFinal(FrameCancel, Cancel{Reason: "cancelled"})
		s.ss.closeAfterFinal()
	})
	defer stop()

	s.offer.Swarm = ""
	if s.opt.Swarm != nil && s.peerSwarm {
		s.offer.Swarm = s.opt.Swarm.sw.ID
	}
	if err := s.ss.fw.control(FrameOffer, s.offer); err != nil {
		return s.linkErr(ctx, err)
	}
	s.opt.Swarm.asked()
	// Ping from the offer on, not only while streaming: a person may take
	// the whole OfferTimeout to decide, and a sender silent for the
	// receiver's IdleTimeout would look like a dead link to it.
	kctx, stopKeepalive := context.WithCancel(ctx)
	defer stopKeepalive()
	go s.ss.keepalive(kctx)

	dec, err := s.awaitDecision(ctx)
	if err != nil {
		return err
	}
	if !dec.Accept {
		return declineErr(dec.Reason, s.name)
	}
	s.accepted = true
	if sk := skipOf(s.offer, dec); sk.Any() {
		// The person there unticked some items: none of them is sent, and
		// the row says how many were left out.
		s.tr.update(sk.Apply)
	}
	// A retry must reach the same device, whoever answers at the address.
	s.opt.PeerID = s.ss.peer.ID
	if s.offer.Swarm != "" && swarmAllAccepted(dec) {
		return s.swarmStream(ctx)
	}
	s.opt.Swarm.decide(nil)
	return s.stream(ctx, dec)
}

func (s *sender) connect(ctx context.Context) error {
	raw, err := s.dial(ctx)
	if err != nil {
		return err
	}
	hctx, cancel := context.WithTimeout(ctx, HandshakeTimeout)
	defer cancel()
	// The sender's frames are large: each leaves in one system call.
	tc := tls.Client(newBatchConn(raw), s.id.ClientTLS(s.opt.PeerID))
	s.ss = newSession(tc)
	if err := tc.HandshakeContext(hctx); err != nil {
		raw.Close()
		var e *Error
		if errors.As(err, &e) {
			if e.Code == errcode.PINMismatch {
				e.Args = append(e.Args, "Name", s.name, "Addr", s.opt.Addr)
			}
			return e
		}
		return newErr(errcode.Handshake, err, "Name", s.name, "Addr", s.opt.Addr)
	}
	if err := s.ss.afterHandshake(); err != nil {
		raw.Close()
		return err
	}
	peer, err := exchangeHello(s.ss, helloFor(s.opt.Hello), true)
	if err != nil {
		raw.Close()
		return err
	}
	s.tr.update(func(e *Event) {
		e.Peer.ID, e.Peer.Name, e.Peer.OS, e.Peer.App, e.Peer.Port = s.ss.peer.ID, peer.Name, peer.OS, peer.App, peer.Port
		e.Peer.Addr = s.opt.Addr // a retry may have found the receiver elsewhere
		e.Code = s.ss.code
	})
	s.name = peer.Name
	s.peerSwarm = hasCap(peer, capSwarm)
	return nil
}

// exchangeHello sends ours and reads theirs; the client speaks first.
func exchangeHello(ss *session, ours Hello, client bool) (Hello, error) {
	var theirs Hello
	_ = ss.tc.SetDeadline(time.Now().Add(HandshakeTimeout))
	defer ss.tc.SetDeadline(time.Time{})
	if client {
		if err := ss.fw.control(FrameHello, ours); err != nil {
			return theirs, err
		}
	}
	t, p, err := readFrame(ss.fr.r, &ss.fr.buf)
	if err != nil {
		return theirs, newErr(errcode.Handshake, err, "Name", ss.peer.Addr, "Addr", ss.peer.Addr)
	}
	switch t {
	case FrameHello:
		if err := decodeJSON(p, &theirs, "hello"); err != nil {
			return theirs, err
		}
	case FrameError:
		return theirs, remoteErr(p, ss.peer.Addr)
	default:
		return theirs, protocolError("expected hello, got frame type %d", t)
	}
	if err := checkVersion(theirs); err != nil {
		ss.sendFinal(FrameError, ErrorMsg{Code: CodeOf(err).String()})
		return theirs, err
	}
	theirs.Name = cleanPeerName(theirs.Name, ss.peer.ID)
	ss.peer.Name, ss.peer.OS, ss.peer.App, ss.peer.Port = theirs.Name, theirs.OS, theirs.App, theirs.Port
	if !client {
		if err := ss.fw.control(FrameHello, ours); err != nil {
			return theirs, err
		}
	}
	return theirs, nil
}

func (s *sender) awaitDecision(ctx context.Context) (*Decision, error) {
	// The receiver pings while its person decides and answers "expired"
	// after OfferTimeout; this only bounds a receiver that keeps pinging
	// but never answers. Its person still reads "didn't answer in time".
	var gaveUp atomic.Bool
	giveUp := time.AfterFunc(OfferTimeout+15*time.Second, func() {
		gaveUp.Store(true)
		s.ss.sendFinal(FrameCancel, Cancel{Reason: "expired"})
		s.ss.close()
	})
	defer giveUp.Stop()
	for {
		t, p, err := s.ss.fr.next()
		if err != nil {
			if gaveUp.Load() {
				return nil, newErr(errcode.Expired, nil, "Name", s.name)
			}
			return nil, s.linkErr(ctx, err)
		}
		switch t {
		case FramePing:
		case FrameDecision:
			return DecodeDecision(p, s.offer)
		case FrameCancel:
			return nil, newErr(errcode.PeerCancelled, nil, "Name", s.name)
		case FrameError:
			return nil, remoteErr(p, s.name)
		default:
			return nil, protocolError("expected a decision, got frame type %d", t)
		}
	}
}

// writeFailed explains a failed write. The peer usually said why it is
// closing just before the write failed; give the ack reader a moment to
// read that reason.
func (s *sender) writeFailed(ctx context.Context, err error, acks <-chan error) error {
	t := time.NewTimer(500 * time.Millisecond)
	defer t.Stop()
	select {
	case aerr := <-acks:
		if aerr != nil && !IsCode(aerr, errcode.ConnectionLost) {
			return aerr
		}
	case <-t.C:
	}
	return s.linkErr(ctx, err)
}

// linkErr explains a broken connection.
func (s *sender) linkErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if r := s.remote.Load(); r != nil {
		return *r
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	lost := newErr(errcode.ConnectionLost, err, "Name", s.name)
	if !s.accepted {
		// Nothing reached the receiver's disk: there is nothing to resume.
		lost.Key = "err.connection-lost.offer"
	}
	return lost
}

// remoteErr turns the peer's error frame into a local error.
func remoteErr(p []byte, name string) error {
	var m ErrorMsg
	if err := decodeJSON(p, &m, "error"); err != nil {
		return err
	}
	if c, ok := errcode.Parse(m.Code); ok {
		if r := c.Remote(); r != errcode.RemoteError {
			return newErr(r, nil, "Name", name)
		}
	}
	return newErr(errcode.RemoteError, nil, "Name", name, "Detail", m.Code+" "+m.Detail)
}

func declineErr(reason, name string) error {
	switch reason {
	case "expired":
		return newErr(errcode.Expired, nil, "Name", name)
	case "busy":
		return newErr(errcode.Busy, nil, "Name", name)
	case "no-space":
		return newErr(errcode.NoSpacePeer, nil, "Name", name)
	case "read-only":
		return newErr(errcode.RemoteDiskReadOnly, nil, "Name", name)
	}
	return newErr(errcode.Declined, nil, "Name", name)
}
