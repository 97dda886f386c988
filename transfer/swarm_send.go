package transfer

import (
	"context"
	"encoding/hex"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/zeebo/blake3"

	"github.com/lempar/lempar/internal/errcode"
)

// Swarm is the sender's side of one send to several Lempar receivers: it
// gathers the targets that accept, hashes the pieces once, and hands each
// member its manifest (swarm_doc.go).
type Swarm struct {
	ID        string
	srcs      []Source
	pieceSize int64

	hashed  chan struct{} // closed when files, hashes and pieces are set
	files   []ManifestFile
	hashes  []byte
	pieces  []pieceRef
	hashErr error

	mu      sync.Mutex
	pending int     // targets that have not answered yet
	unasked int     // targets whose offer has not gone out (nor have they answered)
	open    *roster // the roster accepters join now; nil until someone accepts
	// quiet and most bound how long an open roster waits for more
	// accepters (rosterQuiet, rosterMost; shorter in tests).
	quiet, most time.Duration

	stop     chan struct{} // closed by Stop: hashing ends early
	stopOnce sync.Once

	// memberAddr, in tests, changes where members reach each other (the
	// sender then reaches them through a relay the test can cut).
	memberAddr func(SwarmMember) string
}

// SwarmTarget is one target's place in a swarm.
type SwarmTarget struct {
	sw       *Swarm
	decided  bool
	wasAsked bool    // its offer went out
	roster   *roster // the members it swarms with; nil if not a member
	idx      int     // member index in roster, -1 if not a member
	member   SwarmMember
}

// People answer at their own pace, so the swarm doesn't wait for the last
// of them: accepters join the open roster, which closes when every target
// has answered, rosterQuiet after the latest answer once every offer has
// gone out, or rosterMost after its first accepter, whichever comes first.
// (A target still being dialled is the network's delay, not a person's:
// on a loaded machine a handshake can take seconds, and a room of
// unattended devices must not split.) Pieces move as soon as it
// closes. Someone who accepts later opens the next roster (with the same
// rules), whose members swarm among themselves; a roster of one gets the
// sender's pieces alone, a direct transfer in all but framing. An
// unattended device (a trust rule) answers in milliseconds, so a send to
// such a room stays one roster.
const (
	rosterQuiet = 3 * time.Second
	rosterMost  = 10 * time.Second
)

// roster is one group of members that swarm with each other.
type roster struct {
	members  []*SwarmTarget
	ready    chan struct{} // closed when the roster is final
	closed   bool
	deadline time.Time     // rosterMost after its first member
	timer    *time.Timer   // closes it when quiet or at the deadline
	slots    chan struct{} // the sender's pushes to these members (takeSlot)
}

// NewSwarm prepares a swarm of srcs for targets receivers, or returns nil
// when the send is too big for one (it then goes direct). Hashing starts
// now, while the receivers' people decide.
func NewSwarm(srcs []Source, targets int) *Swarm {
	var total int64
	for _, s := range srcs {
		if s.Kind == KindFile {
			total += s.Size
		}
	}
	size := pieceSizeFor(total, targets)
	if size == 0 || total == 0 || targets < 1 {
		return nil
	}
	sw := &Swarm{ID: uuid.NewString(), srcs: srcs, pieceSize: size, pending: targets, unasked: targets,
		quiet: rosterQuiet, most: rosterMost, hashed: make(chan struct{}), stop: make(chan struct{})}
	go sw.hash()
	return sw
}

// Stop ends the hashing if it still runs (every target's send is over, or
// cancelled before anyone accepted). Safe on nil and more than once.
func (sw *Swarm) Stop() {
	if sw != nil {
		sw.stopOnce.Do(func() { close(sw.stop) })
	}
}

// Target registers one of the targets counted in NewSwarm.
func (sw *Swarm) Target() *SwarmTarget { return &SwarmTarget{sw: sw, idx: -1} }

// hash computes each file's digest and each piece's hash in one read.
func (sw *Swarm) hash() {
	defer close(sw.hashed)
	for i, s := range sw.srcs {
		if s.Kind == KindFile {
			sw.files = append(sw.files, ManifestFile{Item: i, Size: s.Size})
		}
	}
	pieces, ok := layout(sw.files, sw.pieceSize)
	if !ok {
		sw.hashErr = newErr(errcode.OfferTooLarge, nil, "Items", len(sw.srcs))
		return
	}
	sw.pieces = pieces
	sw.hashes = make([]byte, 0, hashLen*len(pieces))
	buf := make([]byte, ChunkSize)
	whole, ph := blake3.New(), blake3.New()
	k := 0
	for fi := range sw.files {
		src := sw.srcs[sw.files[fi].Item]
		f, err := openSource(src.Local)
		if err != nil {
			sw.hashErr = newErr(errcode.SourceUnreadable, err, "Path", src.Local)
			return
		}
		whole.Reset()
		for ; k < len(pieces) && pieces[k].file == fi; k++ {
			select {
			case <-sw.stop:
				f.Close()
				sw.hashErr = newErr(errcode.Cancelled, nil)
				return
			default:
			}
			ph.Reset()
			if _, err := io.CopyBuffer(io.MultiWriter(ph, whole), io.LimitReader(f, int64(pieces[k].n)), buf); err != nil {
				f.Close()
				sw.hashErr = newErr(errcode.SourceChanged, err, "Path", src.Local)
				return
			}
			sw.hashes = ph.Sum(sw.hashes)
		}
		f.Close()
		sw.files[fi].Digest = hex.EncodeToString(whole.Sum(nil))
	}
}

// Skip says this target will not join: it goes direct, or never reached
// the engine (no address). Safe to call more than once, and on nil.
func (t *SwarmTarget) Skip() { t.decide(nil) }

// asked records that t's offer went out (once; a retry asks again).
func (t *SwarmTarget) asked() {
	if t == nil {
		return
	}
	sw := t.sw
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if t.wasAsked || t.decided {
		return
	}
	t.wasAsked = true
	sw.unasked--
	sw.rearmLocked()
}

// decide records a target's answer once: a member (accepted) or not.
func (t *SwarmTarget) decide(m *SwarmMember) {
	if t == nil {
		return
	}
	sw := t.sw
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if t.decided {
		return
	}
	t.decided = true
	if !t.wasAsked {
		sw.unasked--
	}
	now := time.Now()
	if m != nil {
		r := sw.open
		if r == nil {
			r = &roster{ready: make(chan struct{}), deadline: now.Add(sw.most), slots: make(chan struct{}, pushSlots)}
			r.timer = time.AfterFunc(sw.most, func() {
				sw.mu.Lock()
				defer sw.mu.Unlock()
				sw.closeRoster(r)
			})
			sw.open = r
		}
		t.roster, t.idx, t.member = r, len(r.members), *m
		r.members = append(r.members, t)
	}
	sw.pending--
	sw.rearmLocked()
}

// rearmLocked closes the open roster when nobody is left to answer, and
// else sets when it closes by itself: rosterQuiet from now once every offer
// is out, its deadline at the latest.
func (sw *Swarm) rearmLocked() {
	r := sw.open
	if r == nil {
		return
	}
	if sw.pending == 0 {
		sw.closeRoster(r)
		return
	}
	d := time.Until(r.deadline)
	if sw.unasked == 0 {
		d = min(d, sw.quiet)
	}
	r.timer.Reset(max(d, 0))
}

// closeRoster makes r final. Called with sw.mu held.
func (sw *Swarm) closeRoster(r *roster) {
	if r.closed {
		return
	}
	r.closed = true
	r.timer.Stop()
	close(r.ready)
	if sw.open == r {
		sw.open = nil
	}
}

// manifest waits for t's roster and the hashes and builds t's manifest.
func (t *SwarmTarget) manifest(ctx context.Context) (*Manifest, error) {
	sw := t.sw
	if t.roster == nil { // answered before as not a member (a retried session that went direct)
		return nil, protocolError("swarm session for a target that is not a member")
	}
	for _, ch := range []chan struct{}{t.roster.ready, sw.hashed} {
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if sw.hashErr != nil {
		return nil, sw.hashErr
	}
	m := &Manifest{Swarm: sw.ID, PieceSize: sw.pieceSize, You: t.idx, Files: sw.files, Hashes: sw.hashes, pieces: sw.pieces}
	sw.mu.Lock() // the roster is final, but decide may be appending to the next
	members := t.roster.members
	sw.mu.Unlock()
	for _, mt := range members {
		mm := mt.member
		if sw.memberAddr != nil {
			mm.Addr = sw.memberAddr(mm)
		}
		m.Members = append(m.Members, mm)
	}
	return m, nil
}

// swarmAllAccepted: a swarm member takes the whole offer; a partial accept
// goes direct (both sides decide this from the decision alone).
func swarmAllAccepted(d *Decision) bool {
	return d.Accept && !slices.ContainsFunc(d.Items, func(it ItemDecision) bool { return !it.Accept })
}

// hasCap reports whether a hello offers a capability.
func hasCap(h Hello, c string) bool { return slices.Contains(h.Caps, c) }
