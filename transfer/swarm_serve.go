package transfer

import (
	"context"
	"math/bits"
	"sync"
)

// Serving a member that pulls from this one (swarm_doc.go, "Schedule"):
// its requests first, else the next piece to push it.

var serveBufs = sync.Pool{New: func() any { b := make([]byte, pieceFrameBuf); return &b }}

// startPushLocked: l's peer sent its bitmap; every piece this member holds
// that the peer lacks (but its own) is to be pushed.
func (mb *member) startPushLocked(l *link) {
	for i := range l.toPush {
		l.toPush[i] = mb.have[i] &^ l.have[i]
	}
	for k := l.peer; k < len(mb.m.pieces); k += len(mb.m.Members) {
		l.toPush[k>>3] &^= 1 << (k & 7)
	}
	l.pushFrom, l.gotBits = 0, true
	l.kickPush()
}

// pushLocked queues piece k, just verified here, for l's peer.
func (mb *member) pushLocked(l *link, k int) {
	if !l.gotBits || mb.m.owner(k) == l.peer || l.have.has(k) {
		return
	}
	l.toPush.set(k)
	l.pushFrom = min(l.pushFrom, k)
	l.kickPush()
}

func (l *link) kickPush() {
	select {
	case l.pushKick <- struct{}{}:
	default:
	}
}

// nextPushLocked takes the lowest piece still to push that the peer has
// not announced meanwhile, or -1.
func (mb *member) nextPushLocked(l *link) int {
	for i := l.pushFrom >> 3; i < len(l.toPush); i++ {
		for l.toPush[i] != 0 {
			b := bits.TrailingZeros8(l.toPush[i])
			l.toPush[i] &^= 1 << b
			k := i<<3 + b
			if !l.have.has(k) {
				l.pushFrom = k + 1
				return k
			}
		}
	}
	l.pushFrom = len(mb.m.pieces)
	return -1
}

// serveLoop answers a dialler's requests from disk and pushes it pieces.
func (mb *member) serveLoop(ctx context.Context, l *link) {
	for ctx.Err() == nil {
		k, asked := -1, false
		select {
		case k = <-l.serveQ:
			asked = true
		default:
			mb.mu.Lock()
			k = mb.nextPushLocked(l)
			mb.mu.Unlock()
		}
		if k < 0 {
			select {
			case <-ctx.Done():
				return
			case k = <-l.serveQ:
				asked = true
			case <-l.pushKick:
				continue
			}
		}
		if !mb.serveOne(l, k, asked) {
			return
		}
	}
}

// serveOne sends piece k on l (asked: the peer requested it, so a piece
// this member lacks is rejected). It reports false once l is unusable.
func (mb *member) serveOne(l *link, k int, asked bool) bool {
	ref := mb.m.pieces[k]
	// Under placeMu: the file is either still the partial or already
	// placed, never renamed between the look and the open (opening a
	// partial that was just placed would make a new, empty one).
	mb.placeMu.RLock()
	mb.mu.Lock()
	has, saved := mb.have.has(k), mb.saved[ref.file]
	mb.mu.Unlock()
	if !has {
		mb.placeMu.RUnlock()
		if asked && l.ss.fw.control(FrameReject, PieceReject{Piece: k, Code: "missing"}) != nil {
			l.close()
			return false
		}
		return true
	}
	f, err := mb.ib.OpenPlaced(saved)
	if saved == "" {
		f, err = mb.ib.PartialRW(mb.partials[ref.file], 0)
	}
	mb.placeMu.RUnlock()
	if err != nil {
		if asked {
			_ = l.ss.fw.control(FrameReject, PieceReject{Piece: k, Code: "unreadable"})
		}
		return true
	}
	// A frame's buffer per piece served, shared by every link of the
	// process (few are served at once).
	bp := serveBufs.Get().(*[]byte)
	buf := *bp
	err = sendPiece(l.ss.fw, k, ref, buf, func(p []byte, off int64) error {
		_, err := f.ReadAt(p, off)
		if err == nil && mb.srv.swarmCorrupt {
			p[len(p)/2] ^= 0xff
		}
		return err
	})
	f.Close()
	serveBufs.Put(bp)
	if err != nil {
		l.close()
		return false
	}
	n := int64(ref.n)
	mb.tr.update(func(e *Event) { mb.stats(e, func(s *SwarmStats) { s.ToPeers += n }) })
	return true
}
