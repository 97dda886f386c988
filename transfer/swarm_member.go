package transfer

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"io"
	"net"
	"sync"
	"time"

	"github.com/zeebo/blake3"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/savedir"
)

// member is this device's part in one swarm (receiver side): its partial
// files, what it holds, its links to the other members and the sender.
type member struct {
	host     *swarmHost
	srv      *Server
	m        *Manifest
	offer    *Offer
	senderID string
	zone     string // IPv6 zone of our link to the sender (memberDialAddr)
	ib       *savedir.Dir
	partials []string // per manifest file
	tr       *tracker
	ctx      context.Context
	cancel   context.CancelCauseFunc
	started  time.Time
	done     chan struct{} // every file placed
	stopped  chan struct{} // run returned

	// placeMu is held to place a file and to open one to serve a piece.
	placeMu sync.RWMutex
	// placedBefore is what this session placed before this member started
	// (alreadyPlaced); set while the member is made.
	placedBefore map[int]string

	mu       sync.Mutex // guards everything below
	have     bitmap
	left     []int         // per file: pieces still missing
	unsynced int64         // bytes written since a write-back began (writeBehind)
	inflight map[int]*link // piece → the link it was asked from
	outs     []*link       // by member index: the link this member dialled, nil while down
	ins      map[*link]bool
	// gone is, by member index, since when it is known unreachable: its
	// link dropped, or a dial failed or was refused; zero while linked or
	// still being dialled for the first time (a slow handshake is not gone).
	gone      []time.Time
	peerCount []int // pieces each member holds, as last heard
	dropped   []bool
	sender    *link // the sender's session while attached
	saved     []string
	firstGap  int // no piece before it is missing
	err       error
	kick      chan struct{} // wakes the placer
}

// newMember opens the swarm's partial files and re-verifies what they hold
// (a receiver that returns resumes from its pieces).
func newMember(h *swarmHost, srv *Server, m *Manifest, rx *receive) (*member, error) {
	ib, err := savedir.Open(rx.dir, rx.ss.peer.ID)
	if err != nil {
		return nil, err
	}
	nm := len(m.Members)
	mb := &member{host: h, srv: srv, m: m, offer: rx.offer, senderID: rx.ss.peer.ID, ib: ib, tr: rx.tr,
		started: time.Now(), done: make(chan struct{}), stopped: make(chan struct{}),
		have: newBitmap(len(m.pieces)), left: make([]int, len(m.Files)), inflight: map[int]*link{},
		outs: make([]*link, nm), ins: map[*link]bool{}, gone: make([]time.Time, nm),
		peerCount: make([]int, nm), dropped: make([]bool, nm), saved: make([]string, len(m.Files)),
		kick: make(chan struct{}, 1)}
	if la, ok := rx.ss.tc.LocalAddr().(*net.TCPAddr); ok {
		mb.zone = la.Zone
	}
	mb.ctx, mb.cancel = context.WithCancelCause(h.base)
	for _, ref := range m.pieces {
		mb.left[ref.file]++
	}
	var held int64
	var placed []string
	for fi, f := range m.Files {
		it := rx.offer.Items[f.Item]
		mb.partials = append(mb.partials, savedir.PartialName(mb.senderID, rx.offer.SavePath(f.Item), it.Size, it.MTime))
		if saved := mb.alreadyPlaced(fi); saved != "" {
			placed = append(placed, saved)
			held += f.Size
			continue
		}
		n, err := mb.verifyPartial(fi)
		if err != nil {
			ib.Close()
			return nil, err
		}
		held += n
	}
	mb.peerCount[m.You] = mb.have.count()
	mb.tr.update(func(e *Event) {
		e.State, e.Done, e.Sent, e.FilesDone, e.Saved = StateSending, held, 0, len(placed), placed
		e.Swarm = nil
		if nm >= 2 { // a swarm of one is reported as the direct transfer it is
			e.Swarm = &SwarmStats{ID: m.Swarm, Members: nm}
		}
	})
	return mb, nil
}

// alreadyPlaced returns where file fi already sits placed, whole, or "".
// A member that was killed after placing some files and started again
// gets the same manifest with no partial for those files; without this it
// would fetch them again and place copies as "name (1)". Only a file this
// session placed (its journal, placed.go), still with the offered size
// and modification time and the manifest's digest, counts: the bytes are
// then exactly what was sent, and its pieces are served from it.
func (mb *member) alreadyPlaced(fi int) string {
	mf := mb.m.Files[fi]
	it := mb.offer.Items[mf.Item]
	if mb.placedBefore == nil {
		mb.placedBefore = mb.ib.Placed(mb.offer.Session)
	}
	p := mb.placedBefore[mf.Item]
	if p == "" {
		return ""
	}
	h := hashPlaced(mb.ib, p, mf.Size, it.MTime)
	if h == nil || hex.EncodeToString(h.Sum(nil)) != mf.Digest {
		return ""
	}
	for k, ref := range mb.m.pieces {
		if ref.file == fi {
			mb.have.set(k)
		}
	}
	mb.left[fi] = 0
	mb.saved[fi] = p
	return p
}

// verifyPartial marks the pieces file fi's partial already holds and makes
// it full size, so pieces can be written anywhere. It returns the bytes held.
func (mb *member) verifyPartial(fi int) (int64, error) {
	mf := mb.m.Files[fi]
	f, err := mb.ib.PartialRW(mb.partials[fi], mb.offer.Items[mf.Item].Mode)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, savedir.DiskErr(err, mb.partials[fi])
	}
	var held int64
	if st.Size() > 0 {
		buf := make([]byte, mb.m.PieceSize)
		for k, ref := range mb.m.pieces {
			if ref.file != fi || ref.off+int64(ref.n) > st.Size() {
				continue
			}
			if _, err := f.ReadAt(buf[:ref.n], ref.off); err != nil {
				return 0, savedir.DiskErr(err, mb.partials[fi])
			}
			if sum := blake3.Sum256(buf[:ref.n]); bytes.Equal(sum[:], mb.m.hash(k)) {
				mb.have.set(k)
				mb.left[fi]--
				held += int64(ref.n)
			}
		}
	}
	if st.Size() != mf.Size {
		if err := f.Truncate(mf.Size); err != nil {
			return 0, savedir.DiskErr(err, mb.partials[fi])
		}
	}
	return held, nil
}

// run dials the other members, places files as they complete, and after
// the last one keeps serving until the others are done (swarm_doc.go).
func (mb *member) run() {
	defer close(mb.stopped)
	defer mb.ib.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer mb.cancel(nil)
	wg.Go(func() { mb.upstream(&wg) })
	wg.Go(mb.tick)
	wg.Go(func() {
		t := time.NewTicker(haveBatch)
		defer t.Stop()
		mb.announce(t.C)
	})
	if err := mb.place(); err != nil {
		mb.fail(err)
		return
	}
	close(mb.done)
	// Done here, whether or not the sender is still linked: its link may
	// drop right after the last ack (it hung up after its bye).
	mb.tr.finish(StateDone, nil)
	mb.linger()
}

// tick schedules again now and then: some choices wait on time (an
// owner gone for ownerGrace), not on a frame.
func (mb *member) tick() {
	t := time.NewTicker(ownerGrace / 4)
	defer t.Stop()
	for {
		select {
		case <-mb.ctx.Done():
			return
		case <-mb.done:
			return
		case <-t.C:
			mb.mu.Lock()
			mb.scheduleLocked()
			mb.mu.Unlock()
		}
	}
}

func (mb *member) fail(err error) {
	mb.mu.Lock()
	if mb.err == nil {
		mb.err = err
	}
	mb.mu.Unlock()
	mb.cancel(err)
}

// place verifies, syncs and places each file once its pieces are all in,
// in offer order (Event.Saved lists them in item order).
func (mb *member) place() error {
	for fi, mf := range mb.m.Files {
		mb.mu.Lock()
		placed := mb.saved[fi] != "" // already there when we joined (alreadyPlaced)
		mb.mu.Unlock()
		if placed {
			continue
		}
		for {
			mb.mu.Lock()
			left := mb.left[fi]
			mb.mu.Unlock()
			if left == 0 {
				break
			}
			select {
			case <-mb.kick:
			case <-mb.ctx.Done():
				return context.Cause(mb.ctx)
			}
		}
		it := mb.offer.Items[mf.Item]
		f, err := mb.ib.PartialRW(mb.partials[fi], it.Mode)
		if err != nil {
			return err
		}
		h := blake3.New()
		_, err = io.Copy(h, f)
		if err == nil {
			err = f.Sync()
		}
		f.Close()
		if err != nil {
			return savedir.DiskErr(err, it.Path)
		}
		if hex.EncodeToString(h.Sum(nil)) != mf.Digest {
			mb.ib.Remove(mb.partials[fi])
			return newErr(errcode.DigestMismatch, nil, "Path", it.Path, "Name", mb.tr.snapshot().Peer.Name)
		}
		mb.placeMu.Lock()
		final, err := mb.ib.Place(mb.partials[fi], mb.offer.SavePath(mf.Item), it.MTime)
		if err != nil {
			mb.placeMu.Unlock()
			return err
		}
		mb.ib.NotePlaced(mb.offer.Session, mf.Item, final)
		mb.mu.Lock()
		mb.saved[fi] = final
		mb.placeMu.Unlock()
		if mb.sender != nil {
			mb.sender.queueAck(Ack{Item: mf.Item, OK: true, SavedAs: final})
		}
		mb.mu.Unlock()
		mb.tr.update(func(e *Event) { e.FilesDone++; e.Saved = append(e.Saved, final) })
	}
	return nil
}

// Lingering bounds: a finished member serves the others until each is done
// or gone this long, and never longer than lingerMax.
const (
	lingerGone = 30 * time.Second
	lingerMax  = 10 * time.Minute
	ownerGrace = 3 * time.Second // an owner not linked this long: ask the sender
	// joinGrace: a member that refuses us as "not-member" before we ever
	// linked is still joining (its manifest is on its way), not gone; it
	// counts as gone only after this long.
	joinGrace = 15 * time.Second
)

func (mb *member) linger() {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	end := time.Now().Add(lingerMax)
	for time.Now().Before(end) {
		select {
		case <-mb.ctx.Done():
			return
		case <-t.C:
		}
		if mb.othersDone() {
			return
		}
	}
}

// othersDone: every member linked either way holds everything or was
// dropped, and so does this member's successor in the ring (the member
// that pulls from it), unless it has been unlinked for lingerGone. The
// others pull from their own predecessors; each lingers for its successor.
func (mb *member) othersDone() bool {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	n := len(mb.m.pieces)
	succ := mb.succ(mb.m.You)
	for succ != mb.m.You && mb.dropped[succ] {
		succ = mb.succ(succ)
	}
	for j := range mb.m.Members {
		if j == mb.m.You || mb.dropped[j] || mb.peerCount[j] == n {
			continue
		}
		if mb.linkedLocked(j) {
			return false
		}
		if since := cmp.Or(mb.gone[j], mb.started); j == succ && time.Since(since) < lingerGone {
			return false
		}
	}
	return true
}

// linkedLocked: some link to member j is up, either way.
func (mb *member) linkedLocked(j int) bool {
	if mb.outs[j] != nil {
		return true
	}
	for l := range mb.ins {
		if l.peer == j {
			return true
		}
	}
	return false
}

// stats replaces the event's swarm figures (never changed in place: events
// already emitted share the old value).
func (mb *member) stats(e *Event, f func(*SwarmStats)) {
	s := SwarmStats{ID: mb.m.Swarm, Members: len(mb.m.Members)}
	if e.Swarm != nil {
		s = *e.Swarm
	}
	f(&s)
	e.Swarm = &s
}
