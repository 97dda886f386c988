package transfer

import (
	"context"
	"sync"
	"time"

	"github.com/lempar/lempar/internal/errcode"
)

// The receiver's entry to a swarm: the accepted session waits for the
// manifest, joins (or rejoins) the member, and carries the sender's frames
// to it; links from other members arrive through Server.handle.

// swarmBuffers bounds the pieces being assembled at once in one process,
// whatever the number of swarms and members (swarm_doc.go, "Bounds").
const swarmBuffers = 8

// swarmHost holds a Server's swarms and their shared piece buffers.
type swarmHost struct {
	mu      sync.Mutex
	base    context.Context
	members map[string]*member
	tokens  chan struct{}
	free    chan []byte
}

func (h *swarmHost) start(ctx context.Context) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.base, h.members = ctx, map[string]*member{}
	h.tokens, h.free = make(chan struct{}, swarmBuffers), make(chan []byte, swarmBuffers)
}

var errServerStopping = newErr(errcode.Cancelled, nil)

// stop ends every swarm and waits for them.
func (h *swarmHost) stop() {
	h.mu.Lock()
	var all []*member
	for _, mb := range h.members {
		all = append(all, mb)
	}
	h.mu.Unlock()
	for _, mb := range all {
		mb.cancel(errServerStopping)
		<-mb.stopped
	}
}

func (h *swarmHost) getBuf(ctx context.Context, gone <-chan struct{}, size int) ([]byte, error) {
	select {
	case h.tokens <- struct{}{}:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case <-gone:
		return nil, errLinkGone
	}
	select {
	case b := <-h.free:
		if cap(b) >= size {
			return b[:size], nil
		}
	default:
	}
	return make([]byte, size), nil
}

func (h *swarmHost) putBuf(b []byte) {
	select {
	case h.free <- b:
	default:
	}
	<-h.tokens
}

// join returns the member of m's swarm: the running one when the sender
// came back, else a new one (resuming from partial files).
func (h *swarmHost) join(srv *Server, m *Manifest, rx *receive) (*member, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if mb := h.members[m.Swarm]; mb != nil {
		if mb.senderID != rx.ss.peer.ID {
			return nil, protocolError("swarm %s belongs to another sender", m.Swarm)
		}
		select {
		case <-mb.stopped:
			select {
			case <-mb.done: // finished: the sender only needs the acks again
				return mb, nil
			default:
			}
		default:
			return mb, nil
		}
	}
	mb, err := newMember(h, srv, m, rx)
	if err != nil {
		return nil, err
	}
	h.members[m.Swarm] = mb
	go func() {
		mb.run()
		// A finished member stays known for the sender's retry window, so
		// a late retry gets its acks instead of a second download.
		time.AfterFunc(srv.retryWindow(), func() {
			h.mu.Lock()
			if h.members[m.Swarm] == mb {
				delete(h.members, m.Swarm)
			}
			h.mu.Unlock()
		})
	}()
	return mb, nil
}

func (s *Server) retryWindow() time.Duration {
	if s.RetryWindow > 0 {
		return s.RetryWindow
	}
	return DefaultRetryFor + time.Minute
}

// link serves a member that dialled us for swarm id, if the manifest lists
// it; anyone else is refused before a piece is read.
func (h *swarmHost) link(ss *session, id string) {
	h.mu.Lock()
	mb := h.members[id]
	h.mu.Unlock()
	j := -1
	if mb != nil && mb.ctx.Err() == nil {
		mb.mu.Lock()
		for i, x := range mb.m.Members {
			if x.ID == ss.peer.ID && i != mb.m.You && !mb.dropped[i] {
				j = i
			}
		}
		for l := range mb.ins {
			if j >= 0 && l.peer == j {
				j = -1 // one served link per member
			}
		}
		mb.mu.Unlock()
	}
	if j < 0 {
		ss.sendFinal(FrameError, ErrorMsg{Code: "not-member", Detail: "not a member of this swarm"})
		ss.closeAfterFinal()
		return
	}
	mb.runLink(newLink(mb, ss, j, false))
}

// rxSwarm is an incoming session's swarm state.
type rxSwarm struct {
	manifest chan []byte
	mu       sync.Mutex
	mb       *member
	l        *link
}

func (rx *receive) swarm() *rxSwarm {
	rx.swOnce.Do(func() { rx.sw = &rxSwarm{manifest: make(chan []byte, 1)} })
	return rx.sw
}

// swarmFrame takes a frame of a swarm session from readLoop.
func (rx *receive) swarmFrame(t FrameType, p []byte) error {
	sw := rx.swarm()
	if t == FrameManifest {
		select {
		case sw.manifest <- append([]byte(nil), p...):
			return nil
		default:
			return protocolError("a second manifest")
		}
	}
	sw.mu.Lock()
	mb, l := sw.mb, sw.l
	sw.mu.Unlock()
	if mb == nil {
		return protocolError("swarm frame type %d before the manifest", t)
	}
	return mb.onFrame(l, t, p)
}

// swarmAccepted answers with the decision and takes part in the swarm
// until every file is placed (or the session ends).
func (rx *receive) swarmAccepted(dec *Decision) error {
	rx.streaming.Store(true)
	if err := rx.ss.fw.control(FrameDecision, dec); err != nil {
		return rx.lost(err)
	}
	sw := rx.swarm()
	var p []byte
	select {
	case p = <-sw.manifest:
	case <-rx.ctx.Done():
		return context.Cause(rx.ctx)
	}
	m, err := DecodeManifest(p, rx.offer)
	if err != nil {
		return err
	}
	if d := rx.srv.swarmJoinDelay; d > 0 {
		time.Sleep(d) // tests: a member slow to join
	}
	mb, err := rx.srv.swarms.join(rx.srv, m, rx)
	if err != nil {
		rx.ss.sendFinal(FrameError, ErrorMsg{Code: CodeOf(err).String()})
		return err
	}
	l := newLink(mb, rx.ss, -1, false)
	mb.mu.Lock()
	mb.sender = l
	for fi, saved := range mb.saved {
		if saved != "" {
			l.queueAck(Ack{Item: mb.m.Files[fi].Item, OK: true, SavedAs: saved})
		}
	}
	bits := append([]byte(nil), mb.have...)
	mb.mu.Unlock()
	sw.mu.Lock()
	sw.mb, sw.l = mb, l
	sw.mu.Unlock()
	go l.writer(rx.ctx, bits)
	mb.mu.Lock()
	mb.scheduleLocked()
	mb.mu.Unlock()
	defer mb.unlink(l)
	select {
	case <-mb.done:
	case <-mb.stopped:
		mb.mu.Lock()
		err := mb.err
		mb.mu.Unlock()
		if err == nil {
			err = newErr(errcode.Cancelled, nil)
		}
		return err
	case <-rx.ctx.Done():
		select {
		case <-mb.done: // both at once: the sender hung up after our last ack
			return nil
		case <-rx.bye:
			// The sender had every ack, so every file is placed and
			// the member is closing done right now: not a lost link.
			select {
			case <-mb.done:
				return nil
			case <-mb.stopped:
			}
		default:
		}
		err := context.Cause(rx.ctx)
		if !IsCode(err, errcode.ConnectionLost) {
			// Cancelled here or by the sender: this member leaves.
			mb.cancel(err)
		}
		return err
	}
	rx.finish()
	return nil
}
