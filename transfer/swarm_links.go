package transfer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/zeebo/blake3"

	"github.com/lempar/lempar/internal/errcode"
)

// link is one connection of a member: to the sender (peer -1, its session),
// to a member it dialled (it pulls there), or from a member (it serves).
type link struct {
	mb      *member
	ss      *session
	peer    int
	dialled bool
	have    bitmap // member links: what the peer holds, as it told us on this link
	asked   int    // requests waiting on this link
	wasUp   bool   // dialled: the member took it (set by unlink, read by dialLoop)
	refused bool   // dialled: the member answered "not-member" (read by dialLoop after runLink)

	bmu sync.Mutex // guards the piece being assembled: the link's reader fills it, unlink frees it
	cur int        // piece being assembled, -1 for none
	buf []byte
	got int

	omu    sync.Mutex // guards the outbox
	adds   []int
	reqs   []int
	acks   []Ack
	kickCh chan struct{}
	serveQ chan int

	// Links this member serves push the peer every piece it lacks (but
	// its own, which the sender pushes it), guarded by mb.mu: toPush
	// holds those not pushed yet, none below pushFrom; nothing is pushed
	// before the peer's bitmap (gotBits).
	toPush   bitmap
	pushFrom int
	gotBits  bool
	pushKick chan struct{}
	closed   chan struct{}
	once     sync.Once
}

func newLink(mb *member, ss *session, peer int, dialled bool) *link {
	l := &link{mb: mb, ss: ss, peer: peer, dialled: dialled, cur: -1,
		kickCh: make(chan struct{}, 1), serveQ: make(chan int, 4), closed: make(chan struct{}),
		pushKick: make(chan struct{}, 1)}
	if peer >= 0 {
		l.have = newBitmap(len(mb.m.pieces))
	}
	if peer >= 0 && !dialled {
		l.toPush = newBitmap(len(mb.m.pieces))
	}
	return l
}

func (l *link) kick() {
	select {
	case l.kickCh <- struct{}{}:
	default:
	}
}

func (l *link) queueReq(k int) { l.omu.Lock(); l.reqs = append(l.reqs, k); l.omu.Unlock(); l.kick() }
func (l *link) queueAck(a Ack) { l.omu.Lock(); l.acks = append(l.acks, a); l.omu.Unlock(); l.kick() }
func (l *link) close()         { l.finish(); l.ss.close() }

// queueHave announces piece k on l: at once when prompt (the peer pulls
// it from here now), else with the next prompt frame or batch tick
// (flushHaves), so a member writes a few have frames per link and second
// instead of one per piece on every link (swarm_doc.go, "Links").
func (l *link) queueHave(k int, prompt bool) {
	l.omu.Lock()
	l.adds = append(l.adds, k)
	l.omu.Unlock()
	if prompt {
		l.kick()
	}
}

// flushHaves sends the adds waiting on l, if any (a batch tick).
func (l *link) flushHaves() {
	l.omu.Lock()
	n := len(l.adds)
	l.omu.Unlock()
	if n > 0 {
		l.kick()
	}
}

// finish marks the link ended without closing the connection: the
// sender's session closes on its own terms (a cancel frame, a bye).
func (l *link) finish() { l.once.Do(func() { close(l.closed) }) }
func (l *link) isClosed() bool {
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

// writer sends the outbox: have adds, requests, acks.
func (l *link) writer(ctx context.Context, bits []byte) {
	if err := l.ss.fw.control(FrameHave, HaveMsg{Bits: bits}); err != nil {
		l.close()
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.closed:
			return
		case <-l.kickCh:
		}
		l.omu.Lock()
		adds, reqs, acks := l.adds, l.reqs, l.acks
		l.adds, l.reqs, l.acks = nil, nil, nil
		l.omu.Unlock()
		err := error(nil)
		if len(adds) > 0 {
			err = l.ss.fw.controlNoFlush(FrameHave, HaveMsg{Add: adds})
		}
		for _, k := range reqs {
			if err == nil {
				err = l.ss.fw.controlNoFlush(FrameRequest, PieceRequest{Piece: k})
			}
		}
		for _, a := range acks {
			if err == nil {
				err = l.ss.fw.controlNoFlush(FrameAck, a)
			}
		}
		if err == nil {
			err = l.ss.fw.flush()
		}
		if err != nil {
			l.close()
			return
		}
	}
}

// linkWriteBuf is a link's write buffer, and a served link's read buffer.
const linkWriteBuf = 16 << 10

// errLinkGone: a frame arrived on a link already forgotten.
var errLinkGone = errors.New("the swarm link has ended")

// errDropped ends a link whose peer served a bad piece.
var errDropped = errors.New("the member served a piece that does not match its hash")

// onFrame takes one frame from l's peer. A piece's data is copied into a
// pooled buffer, so p may be reused once it returns.
func (mb *member) onFrame(l *link, t FrameType, p []byte) error {
	n := len(mb.m.pieces)
	switch t {
	case FramePing:
	case FrameHave:
		h, err := decodeHave(p, n)
		if err != nil {
			return err
		}
		if l.peer < 0 {
			return nil // the sender holds everything
		}
		mb.mu.Lock()
		up := false
		if l.dialled && mb.outs[l.peer] != l && !l.isClosed() {
			// Its first have: the member took the link (a refusal
			// never gets here), so it counts as up from now on.
			mb.outs[l.peer] = l
			mb.gone[l.peer] = time.Time{}
			up = true
		}
		l.have.apply(h, n)
		if h.Bits != nil { // a link's first have: what it holds now
			mb.peerCount[l.peer] = l.have.count()
		} else { // both links to a member tell; the later news counts
			mb.peerCount[l.peer] = max(mb.peerCount[l.peer], l.have.count())
		}
		switch {
		case !l.dialled && h.Bits != nil:
			mb.startPushLocked(l)
		case up:
			mb.scheduleLocked() // a member linked: the owner rule changes for every link
		case l.dialled && h.Bits != nil:
			mb.scheduleLinkLocked(l)
		case l.dialled:
			mb.scheduleAddsLocked(l, h.Add)
		}
		mb.mu.Unlock()
	case FrameRequest:
		var r PieceRequest
		if err := decodeJSON(p, &r, "request"); err != nil {
			return err
		}
		if l.dialled || l.peer < 0 || r.Piece < 0 || r.Piece >= n {
			return protocolError("request for piece %d out of place", r.Piece)
		}
		select {
		case l.serveQ <- r.Piece:
		default:
			return protocolError("more than %d requests waiting", cap(l.serveQ))
		}
	case FrameReject:
		var r PieceReject
		if err := decodeJSON(p, &r, "reject"); err != nil {
			return err
		}
		mb.mu.Lock()
		if r.Piece >= 0 && r.Piece < n && mb.inflight[r.Piece] == l {
			delete(mb.inflight, r.Piece)
			l.asked--
		}
		mb.scheduleLocked()
		mb.mu.Unlock()
	case FramePiece:
		return mb.onPiece(l, p)
	default:
		return protocolError("unexpected frame type %d on a swarm link", t)
	}
	return nil
}

func (mb *member) onPiece(l *link, p []byte) error {
	l.bmu.Lock()
	defer l.bmu.Unlock()
	if l.isClosed() {
		return errLinkGone
	}
	k32, off, data, err := parsePiece(p)
	if err != nil {
		return err
	}
	k := int(k32)
	if k >= len(mb.m.pieces) {
		return protocolError("piece %d of %d", k, len(mb.m.pieces))
	}
	ref := mb.m.pieces[k]
	if off == 0 {
		if l.cur >= 0 {
			return protocolError("piece %d began before piece %d ended", k, l.cur)
		}
		mb.mu.Lock()
		// Asked for; or pushed: by the sender (this member's own pieces)
		// or by a member this one pulls from (any other piece).
		ok := mb.inflight[k] == l || (l.peer < 0 && mb.m.owner(k) == mb.m.You) || (l.dialled && mb.m.owner(k) != mb.m.You)
		mb.mu.Unlock()
		if !ok {
			return protocolError("piece %d was not asked for", k)
		}
		buf, err := mb.host.getBuf(mb.ctx, l.closed, int(mb.m.PieceSize))
		if err != nil {
			return err
		}
		l.cur, l.buf, l.got = k, buf, 0
	}
	if k != l.cur || int(off) != l.got || l.got+len(data) > ref.n {
		return protocolError("piece %d data at %d out of place", k, off)
	}
	l.got += copy(l.buf[l.got:], data)
	if l.got < ref.n {
		return nil
	}
	if d := mb.srv.swarmSlow; d > 0 {
		time.Sleep(d) // tests: a slow disk
	}
	buf := l.buf
	l.cur, l.buf = -1, nil
	defer mb.host.putBuf(buf)
	return mb.gotPiece(l, k, buf[:ref.n])
}

// gotPiece verifies a whole piece, then writes it and tells everyone.
func (mb *member) gotPiece(l *link, k int, data []byte) error {
	ref := mb.m.pieces[k]
	if sum := blake3.Sum256(data); !bytes.Equal(sum[:], mb.m.hash(k)) {
		if l.peer < 0 {
			return newErr(errcode.DigestMismatch, nil, "Path", mb.offer.Items[mb.m.Files[ref.file].Item].Path, "Name", mb.tr.snapshot().Peer.Name)
		}
		mb.drop(l.peer)
		return errDropped
	}
	mb.mu.Lock()
	dup := mb.have.has(k)
	mb.mu.Unlock()
	if !dup {
		mf := mb.m.Files[ref.file]
		f, err := mb.ib.PartialRW(mb.partials[ref.file], mb.offer.Items[mf.Item].Mode)
		if err != nil {
			mb.fail(err)
			return err
		}
		_, err = f.WriteAt(data, ref.off)
		if err == nil {
			mb.mu.Lock()
			due := wroteBehind(&mb.unsynced, int64(len(data)))
			mb.mu.Unlock()
			if due {
				startWriteback(f)
			}
		}
		f.Close()
		if err != nil {
			mb.fail(err)
			return err
		}
	}
	mb.mu.Lock()
	// Asked-for stays set until the piece is held: else it could be
	// asked for again while it is being written.
	asked := mb.inflight[k] == l
	if asked {
		delete(mb.inflight, k)
		l.asked--
	}
	if !dup && !mb.have.has(k) {
		mb.gainedLocked(k)
	}
	// Only l's room to ask changed (a piece pushed by the sender took none).
	if l.peer >= 0 {
		mb.scheduleLinkLocked(l)
	} else if asked {
		mb.scheduleSenderLocked()
	}
	mb.mu.Unlock()
	n := int64(len(data))
	mb.tr.update(func(e *Event) {
		e.Sent += n
		if !dup {
			e.Done += n
		}
		if l.peer >= 0 {
			mb.stats(e, func(s *SwarmStats) { s.FromPeers += n })
		}
	})
	return nil
}

// drop removes member j from this swarm for serving a bad piece: its
// links close, it is never dialled again and its links are refused.
func (mb *member) drop(j int) {
	mb.mu.Lock()
	already := mb.dropped[j]
	mb.dropped[j] = true
	var links []*link
	if o := mb.outs[j]; o != nil {
		links = append(links, o)
	}
	for l := range mb.ins {
		if l.peer == j {
			links = append(links, l)
		}
	}
	mb.mu.Unlock()
	for _, l := range links {
		l.close()
	}
	if !already {
		id := mb.m.Members[j].ID
		mb.tr.update(func(e *Event) { mb.stats(e, func(s *SwarmStats) { s.Dropped = append(s.Dropped, id) }) })
	}
}

// runLink runs a link until it ends: registered, announced, read.
func (mb *member) runLink(l *link) {
	defer l.close()
	// A member has a link per member each way: small buffers (pieces skip
	// the writer's buffer; a served link reads only small frames), so 30
	// members stay far inside the process's 64 MiB.
	l.ss.fw = &frameWriter{w: bufio.NewWriterSize(l.ss.tc, linkWriteBuf), raw: l.ss.tc, conn: l.ss.tc, timeout: writeTimeout, sem: make(chan struct{}, 1)}
	if !l.dialled {
		l.ss.fr.buf = make([]byte, 0, linkWriteBuf)
	}
	ctx, cancel := context.WithCancel(mb.ctx)
	defer cancel()
	context.AfterFunc(ctx, l.close)
	mb.mu.Lock()
	if !l.dialled {
		mb.ins[l] = true
	}
	bits := append([]byte(nil), mb.have...)
	mb.mu.Unlock()
	defer mb.unlink(l)
	go l.writer(ctx, bits)
	go l.ss.keepalive(ctx)
	if !l.dialled {
		go mb.serveLoop(ctx, l)
	}
	for {
		t, p, err := l.ss.fr.next()
		if err != nil {
			return
		}
		if t == FrameError || t == FrameCancel || t == FrameBye {
			var e ErrorMsg
			if t == FrameError && l.dialled && decodeJSON(p, &e, "error") == nil && e.Code == "not-member" {
				l.refused = true
			}
			return
		}
		if err := mb.onFrame(l, t, p); err != nil {
			if IsCode(err, errcode.Protocol) {
				l.ss.sendFinal(FrameError, ErrorMsg{Code: errcode.Protocol.String(), Detail: err.Error()})
			}
			return
		}
	}
}

// unlink forgets a link that ended; what it was asked for is asked again.
func (mb *member) unlink(l *link) {
	l.finish()
	l.bmu.Lock()
	if l.buf != nil {
		mb.host.putBuf(l.buf)
		l.buf = nil
	}
	l.bmu.Unlock()
	mb.mu.Lock()
	defer mb.mu.Unlock()
	up := mb.ins[l]
	if l.peer >= 0 && l.dialled && mb.outs[l.peer] == l {
		mb.outs[l.peer] = nil
		up, l.wasUp = true, true
	}
	delete(mb.ins, l)
	if up && !mb.linkedLocked(l.peer) {
		mb.gone[l.peer] = time.Now()
	}
	if mb.sender == l {
		mb.sender = nil
	}
	for k, o := range mb.inflight {
		if o == l {
			delete(mb.inflight, k)
		}
	}
	mb.scheduleLocked()
}
