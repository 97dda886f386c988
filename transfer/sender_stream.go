package transfer

// The sender's data path: the file reader that runs ahead of the network
// (readAhead, readFile), the writer that frames chunks onto the session
// (stream) and the acknowledgements coming back (readAcks).

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"sync/atomic"

	"github.com/zeebo/blake3"

	"github.com/lempar/lempar/internal/errcode"
)

// chunk is one unit of the read-ahead pipeline: data of an item, or, with
// digest set, the end of the item.
type chunk struct {
	item   int
	offset int64
	buf    []byte
	n      int
	digest string
	err    error
}

func (s *sender) stream(ctx context.Context, dec *Decision) error {
	var pending atomic.Int32
	var done int64
	for i, d := range dec.Items {
		if d.Accept && s.offer.Items[i].Kind == KindFile {
			pending.Add(1)
			done += d.Offset
		}
	}
	s.tr.update(func(e *Event) { e.State = StateSending; e.Done = done })

	acks := make(chan error, 1)
	go func() {
		err := s.readAcks(&pending)
		if err != nil {
			// Unblock a data write stuck on a dead link now, not at its
			// write deadline.
			s.endSession(err)
		}
		acks <- err
	}()

	free := make(chan []byte, 4)
	for range cap(free) {
		// A whole frame, headers included, is ChunkSize: exactly 16 TLS
		// records. With the payload alone that size, every frame ended in
		// a 17-byte record of its own (one more seal, write and segment).
		free <- make([]byte, ChunkSize)
	}
	chunks := make(chan chunk, cap(free))
	rctx, stopReader := context.WithCancel(ctx)
	defer stopReader()
	go s.readAhead(rctx, dec, free, chunks)

	var sent int64
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		if c.digest != "" {
			if err := s.ss.fw.controlNoFlush(FrameFileDone, FileDone{Item: c.item, Digest: c.digest}); err != nil {
				return s.writeFailed(ctx, err, acks)
			}
			continue
		}
		if c.offset == 0 && dec.Items[c.item].Offset > 0 {
			// The prefix didn't match: this item restarts from zero.
			restart := dec.Items[c.item].Offset
			dec.Items[c.item].Offset = 0
			s.tr.update(func(e *Event) { e.Done -= restart })
		}
		err := s.ss.fw.dataFrame(uint32(c.item), uint64(c.offset), c.buf[:dataPrefix+c.n])
		free <- c.buf
		if err != nil {
			return s.writeFailed(ctx, err, acks)
		}
		sent += int64(c.n)
		it := &s.offer.Items[c.item]
		s.tr.update(func(e *Event) {
			e.Done += int64(c.n)
			e.Sent = s.sentBefore + sent
			e.Current, e.CurrentDone, e.CurrentSize = it.Path, c.offset+int64(c.n), it.Size
		})
	}
	if err := s.ss.fw.flush(); err != nil {
		return s.writeFailed(ctx, err, acks)
	}
	s.tr.update(func(e *Event) { e.State = StateVerifying })
	if err := <-acks; err != nil {
		return err
	}
	_ = s.ss.fw.control(FrameBye, Bye{})
	return nil
}

// readAhead reads and hashes accepted files into chunks so disk reads and
// hashing overlap with encryption and sending.
func (s *sender) readAhead(ctx context.Context, dec *Decision, free chan []byte, out chan<- chunk) {
	defer close(out)
	// One hasher for all files, reset for each: allocating and clearing
	// ~10 KiB a file showed in the profile of many small files.
	h := blake3.New()
	for i, d := range dec.Items {
		src := s.items[i]
		if !d.Accept || src.Kind != KindFile {
			continue
		}
		if err := s.readFile(ctx, i, src, d, h, free, out); err != nil {
			select {
			case out <- chunk{err: err}:
			case <-ctx.Done():
			}
			return
		}
	}
}

func (s *sender) readFile(ctx context.Context, idx int, src Source, d ItemDecision, h *blake3.Hasher, free chan []byte, out chan<- chunk) error {
	f, err := openSource(src.Local)
	if err != nil {
		return newErr(errcode.SourceUnreadable, err, "Path", src.Local)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() != src.Size {
		return newErr(errcode.SourceChanged, err, "Path", src.Local)
	}
	h.Reset()
	offset := int64(0)
	if d.Offset > 0 {
		if _, err := io.CopyN(h, f, d.Offset); err != nil {
			return newErr(errcode.SourceChanged, err, "Path", src.Local)
		}
		if hex.EncodeToString(h.Sum(nil)) == d.PrefixHash {
			offset = d.Offset
		} else {
			h.Reset()
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return newErr(errcode.SourceUnreadable, err, "Path", src.Local)
			}
		}
	}
	for offset < src.Size {
		var buf []byte
		select {
		case buf = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		want := min(int64(len(buf)-dataPrefix), src.Size-offset)
		n, err := io.ReadFull(f, buf[dataPrefix:dataPrefix+want])
		if err != nil {
			return newErr(errcode.SourceChanged, err, "Path", src.Local)
		}
		h.Write(buf[dataPrefix : dataPrefix+n])
		select {
		case out <- chunk{item: idx, offset: offset, buf: buf, n: n}:
		case <-ctx.Done():
			return ctx.Err()
		}
		offset += int64(n)
	}
	select {
	case out <- chunk{item: idx, digest: hex.EncodeToString(h.Sum(nil))}:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// onAck applies the receiver's verdict on one file: done, or refused
// (collected in failed, so the other files still finish).
func (s *sender) onAck(p []byte, failed *[]error) error {
	var a Ack
	if err := decodeJSON(p, &a, "ack"); err != nil {
		return err
	}
	if a.Item < 0 || a.Item >= len(s.offer.Items) {
		return protocolError("ack for unknown item %d", a.Item)
	}
	if a.OK {
		s.tr.update(func(e *Event) { e.FilesDone++ })
	} else {
		*failed = append(*failed, newErr(errcode.PeerRejectedFile, nil, "Path", s.offer.Items[a.Item].Path, "Reason", a.Code))
	}
	return nil
}

// peerEnded ends the session on the receiver's cancel or error frame,
// keeping what it said for the final event.
func (s *sender) peerEnded(t FrameType, p []byte) error {
	err := error(newErr(errcode.PeerCancelled, nil, "Name", s.name))
	if t == FrameError {
		err = remoteErr(p, s.name)
	}
	s.remote.Store(&err)
	s.ss.close()
	return err
}

// readAcks consumes the receiver's frames during streaming until every
// accepted file is acknowledged.
func (s *sender) readAcks(pending *atomic.Int32) error {
	var failed []error
	for pending.Load() > 0 {
		t, p, err := s.ss.fr.next()
		if err != nil {
			return s.linkErr(context.Background(), err)
		}
		switch t {
		case FramePing:
		case FrameAck:
			if err := s.onAck(p, &failed); err != nil {
				return err
			}
			pending.Add(-1)
		case FrameCancel, FrameError:
			return s.peerEnded(t, p)
		default:
			return protocolError("unexpected frame type %d while sending", t)
		}
	}
	if len(failed) > 0 {
		return errors.Join(failed...)
	}
	return nil
}

// endSession closes the connection. A frame we could not take (oversize,
// unknown, out of place, undecodable) is a protocol error: the receiver is
// told so in an error frame first, as the receiver tells a sender, and the
// connection lingers so a reset does not discard that frame.
func (s *sender) endSession(err error) {
	if IsCode(err, errcode.Protocol) && s.remote.Load() == nil {
		s.ss.sendFinal(FrameError, ErrorMsg{Code: errcode.Protocol.String(), Detail: err.Error()})
		s.ss.closeAfterFinal()
		return
	}
	s.ss.close()
}
