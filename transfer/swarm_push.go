package transfer

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/lempar/lempar/internal/errcode"
)

// The sender's session with one swarm member: the manifest, then the
// pieces this member owns pushed once, requests served, acks counted.

// SwarmStats is the swarm part of an Event (nil for direct transfers).
type SwarmStats struct {
	ID        string // the swarm's ID: one send's targets share it
	Members   int
	FromPeers int64    // member: bytes received from other members
	ToPeers   int64    // member: bytes served to other members
	Dropped   []string // member: IDs dropped for serving a bad piece
}

// pieceFrameBuf fits one frame of a piece.
const pieceFrameBuf = frameHeaderLen + pieceHeaderLen + ChunkSize

// sendPiece writes piece k (ref) as piece frames back to back under one
// hold of the writer. read fills p from offset off of the piece's file; its
// errors are returned as they are, write errors raw.
func sendPiece(fw *frameWriter, k int, ref pieceRef, buf []byte, read func(p []byte, off int64) error) error {
	fw.sem <- struct{}{}
	defer func() { <-fw.sem }()
	fw.deadline()
	if fw.w.Buffered() > 0 {
		if err := fw.w.Flush(); err != nil {
			return err
		}
	}
	const hdr = frameHeaderLen + pieceHeaderLen
	for off := 0; off < ref.n; {
		n := min(ChunkSize, ref.n-off)
		frame := buf[:hdr+n]
		if err := read(frame[hdr:], ref.off+int64(off)); err != nil {
			return err
		}
		frame[0] = byte(FramePiece)
		binary.BigEndian.PutUint32(frame[1:], uint32(pieceHeaderLen+n))
		binary.BigEndian.PutUint32(frame[frameHeaderLen:], uint32(k))
		binary.BigEndian.PutUint32(frame[frameHeaderLen+4:], uint32(off))
		fw.deadline()
		if _, err := fw.raw.Write(frame); err != nil {
			return err
		}
		fw.lastWrite = time.Now()
		off += n
	}
	return nil
}

// pushState is what the member told the sender.
type pushState struct {
	mu      sync.Mutex
	have    bitmap
	gotBits chan struct{}
	reqs    chan int
	done    chan error // the reader's end: nil once every file is acked
}

// swarmStream runs an accepted swarm session (sender side).
func (s *sender) swarmStream(ctx context.Context) error {
	st := s.opt.Swarm
	st.decide(&SwarmMember{ID: s.ss.peer.ID, Addr: s.opt.Addr})
	s.tr.update(func(e *Event) { e.State = StateSending })
	man, err := st.manifest(ctx)
	if err != nil {
		return err
	}
	if err := s.ss.fw.control(FrameManifest, man); err != nil {
		return s.linkErr(ctx, err)
	}
	setNotSentLowat(s.ss.tc.NetConn(), pushLowat)
	n := len(man.pieces)
	ps := &pushState{have: newBitmap(n), gotBits: make(chan struct{}), reqs: make(chan int, 4), done: make(chan error, 1)}
	s.tr.update(func(e *Event) {
		// A swarm of one (the others declined, went direct or failed) is
		// the sender's pieces to one receiver: a direct transfer, reported so.
		if len(man.Members) >= 2 {
			e.Swarm = &SwarmStats{ID: man.Swarm, Members: len(man.Members)}
		}
		e.FilesDone = 0
	})
	go func() {
		err := s.swarmReadLoop(man, ps)
		if err != nil {
			s.endSession(err)
		}
		ps.done <- err
	}()
	select {
	case <-ps.gotBits:
	case err := <-ps.done:
		return s.orLink(ctx, err)
	case <-ctx.Done():
		return ctx.Err()
	}
	var sent int64
	var cur *os.File
	curFile := -1
	defer func() {
		if cur != nil {
			cur.Close()
		}
	}()
	buf := make([]byte, pieceFrameBuf)
	push := func(k int) error {
		ref := man.pieces[k]
		if ref.file != curFile {
			if cur != nil {
				cur.Close()
			}
			src := s.items[man.Files[ref.file].Item]
			f, err := openSource(src.Local)
			if err != nil {
				return newErr(errcode.SourceUnreadable, err, "Path", src.Local)
			}
			cur, curFile = f, ref.file
		}
		release, err := st.takeSlot(ctx)
		if err != nil {
			return err
		}
		err = sendPiece(s.ss.fw, k, ref, buf, func(p []byte, off int64) error {
			if _, err := cur.ReadAt(p, off); err != nil {
				return newErr(errcode.SourceChanged, err, "Path", cur.Name())
			}
			return nil
		})
		release()
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				return e
			}
			return s.writeFailed(ctx, err, ps.done)
		}
		sent += int64(ref.n)
		s.tr.update(func(e *Event) { e.Sent = s.sentBefore + sent })
		return nil
	}
	for k := man.You; k < n; k += len(man.Members) {
		for drained := false; !drained; { // requests first: someone waits on them
			select {
			case r := <-ps.reqs:
				if err := push(r); err != nil {
					return err
				}
			default:
				drained = true
			}
		}
		ps.mu.Lock()
		had := ps.have.has(k)
		ps.mu.Unlock()
		if had {
			continue
		}
		if err := push(k); err != nil {
			return err
		}
	}
	if err := s.ss.fw.flush(); err != nil {
		return s.writeFailed(ctx, err, ps.done)
	}
	for {
		select {
		case r := <-ps.reqs:
			if err := push(r); err != nil {
				return err
			}
		case err := <-ps.done:
			if err != nil {
				return s.orLink(ctx, err)
			}
			_ = s.ss.fw.control(FrameBye, Bye{})
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *sender) orLink(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// swarmReadLoop reads the member's have, request and ack frames until
// every file is acked.
func (s *sender) swarmReadLoop(man *Manifest, ps *pushState) error {
	n := len(man.pieces)
	pending := len(man.Files)
	var failed []error
	bitsSeen := false
	for pending > 0 {
		t, p, err := s.ss.fr.next()
		if err != nil {
			return s.linkErr(context.Background(), err)
		}
		switch t {
		case FramePing:
		case FrameHave:
			h, err := decodeHave(p, n)
			if err != nil {
				return err
			}
			ps.mu.Lock()
			ps.have.apply(h, n)
			var done int64
			for k, ref := range man.pieces {
				if ps.have.has(k) {
					done += int64(ref.n)
				}
			}
			ps.mu.Unlock()
			s.tr.update(func(e *Event) { e.Done = done })
			if h.Bits != nil && !bitsSeen {
				bitsSeen = true
				close(ps.gotBits)
			}
		case FrameRequest:
			var r PieceRequest
			if err := decodeJSON(p, &r, "request"); err != nil {
				return err
			}
			if r.Piece < 0 || r.Piece >= n {
				return protocolError("request for piece %d of %d", r.Piece, n)
			}
			select {
			case ps.reqs <- r.Piece:
			default:
				return protocolError("more than %d requests waiting", cap(ps.reqs))
			}
		case FrameAck:
			if err := s.onAck(p, &failed); err != nil {
				return err
			}
			pending--
		case FrameCancel, FrameError:
			return s.peerEnded(t, p)
		default:
			return protocolError("unexpected frame type %d in a swarm session", t)
		}
	}
	if len(failed) > 0 {
		return errors.Join(failed...)
	}
	return nil
}
