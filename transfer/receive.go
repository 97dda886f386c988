package transfer

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zeebo/blake3"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/savedir"
)

// syncThreshold: files at least this big are fsynced on their own; smaller
// ones are made durable together (see savedir.Dir.Sync) before any is renamed.
const (
	syncThreshold  = 1 << 20
	batchMaxFiles  = 512
	batchMaxBytes  = 64 << 20
	freeSpaceSlack = 16 << 20 // keep the disk from filling to the last byte
	rxBuffers      = 6
)

// receive is one incoming session.
type receive struct {
	srv   *Server
	ss    *session
	offer *Offer
	tr    *tracker
	dir   string

	ctx    context.Context
	cancel context.CancelCauseFunc

	streaming atomic.Bool
	resumed   bool          // continues a parked session: already accepted
	choice    []bool        // items the person kept (nil: all); see Answer.Items
	sig       string        // offerSig of the offer
	ended     chan struct{} // closed when run returns (parked or finished)
	bye       chan struct{}
	readDone  chan struct{} // closed when readLoop returns
	jobs      chan rxJob
	free      chan []byte

	ib     *savedir.Dir
	files  []*rxFile // by item index; nil unless an accepted file
	sw     *rxSwarm  // a swarm session's state (swarm_rx.go), made once
	swOnce sync.Once
	spare  *blake3.Hasher
	claims []string
}

type rxFile struct {
	idx      int
	item     Item
	partial  string
	h        *blake3.Hasher
	off      int64
	f        *os.File
	resumed  int64
	unsynced int64 // written since its last write-back began (writeBehind)
	// placed: this session placed the file here before (placed.go), and
	// offered it as held; "" once data for it arrives after all.
	placed string
}

// rxJob carries a data frame (buf owned by the job) or a file-done.
type rxJob struct {
	t      FrameType
	item   int
	offset int64
	buf    []byte
	data   []byte
	digest string
}

func newReceive(srv *Server, ss *session, offer *Offer) *receive {
	files, _, _ := offer.Count()
	dir := srv.Dir()
	return &receive{
		srv: srv, ss: ss, offer: offer, dir: dir, sig: offerSig(offer),
		ended: make(chan struct{}),
		bye:   make(chan struct{}), readDone: make(chan struct{}),
		jobs: make(chan rxJob, rxBuffers),
		free: make(chan []byte, rxBuffers),
		tr: newTracker(Event{
			Session: offer.Session, Direction: Incoming, Peer: ss.peer, Code: ss.code,
			State: StateWaiting, Files: files, Total: offer.Total(), Dir: dir,
		}, srv.OnEvent),
	}
}

func (rx *receive) run(parent context.Context) {
	rx.ctx, rx.cancel = context.WithCancelCause(parent)
	defer close(rx.ended)
	defer rx.cancel(nil)
	// Registered under the tracker's ID: a resend continuing a parked
	// session keeps the ID the window already shows.
	defer rx.srv.register(rx.tr.snapshot().Session, rx)()
	defer func() { rx.srv.unclaim(rx.claims) }()

	go rx.readLoop()
	go rx.ss.keepalive(rx.ctx)

	err := rx.serve()
	if err != nil && rx.ctx.Err() != nil {
		if !IsEngineError(err) {
			// A bare context error: say why the session's context ended.
			if cause := context.Cause(rx.ctx); cause != nil && !errors.Is(cause, context.Canceled) {
				err = cause
			}
		}
		if errors.Is(err, context.Canceled) {
			err = newErr(errcode.Cancelled, nil)
		}
		if IsCode(err, errcode.Cancelled) {
			rx.ss.sendFinal(FrameCancel, Cancel{Reason: "cancelled"})
		} else if IsCode(err, errcode.Protocol) {
			rx.ss.sendFinal(FrameError, ErrorMsg{Code: errcode.Protocol.String(), Detail: err.Error()})
		}
	}
	rx.closeConn(err)
	if err != nil && rx.streaming.Load() && IsCode(err, errcode.ConnectionLost) {
		// The sender will likely come back (it retries): keep the
		// session open for it rather than failing the transfer.
		rx.tr.update(func(e *Event) { e.State = StateRetrying; e.Err = err; e.Rate = 0 })
		// The give-up func holds only the tracker: a parked session must
		// not keep its buffers and connection alive for the whole window.
		tr := rx.tr
		rx.srv.park(rx.offer.Session, &parked{peerID: rx.ss.peer.ID, dir: rx.dir, sig: rx.sig, items: rx.choice, tr: tr},
			func() { tr.finish(StateFailed, err) })
		return
	}
	rx.tr.finish(EndState(err), err)
}

// closeConn ends the connection without a reset: after a clean finish the
// sender hangs up right after its bye; after an error we half-close and
// drain until it does.
func (rx *receive) closeConn(err error) {
	rx.cancel(nil) // the reader now only drains
	if err == nil {
		rx.ss.fr.stop(time.Now().Add(lingerTime))
	} else {
		_ = rx.ss.tc.CloseWrite()
		rx.ss.fr.stop(time.Now().Add(lingerTime))
	}
	<-rx.readDone
	rx.ss.close()
}

func isRemote(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code.IsRemote()
}

// serve runs the session from offer to the last ack.
func (rx *receive) serve() error {
	name := rx.ss.peer.Name
	if rx.resumed {
		return rx.accepted(Answer{Accept: true, Items: rx.choice})
	}
	if err := savedir.CanWrite(savedir.ExistingParent(rx.dir)); err != nil {
		_ = rx.ss.fw.control(FrameDecision, Decision{Reason: "read-only"})
		return newErr(errcode.DiskReadOnly, err, "Path", rx.dir)
	}
	if err := rx.srv.reserveSpace(rx, rx.dir, rx.offer.Total()-rx.resumable(), false); err != nil {
		_ = rx.ss.fw.control(FrameDecision, Decision{Reason: "no-space"})
		return err
	}
	timeout := rx.srv.OfferTimeout
	if timeout <= 0 {
		timeout = OfferTimeout
	}
	req := &Request{Session: rx.offer.Session, Peer: rx.ss.peer, Code: rx.ss.code, Offer: rx.offer, Dir: rx.dir, Expires: time.Now().Add(timeout)}
	dctx, dcancel := context.WithTimeout(rx.ctx, timeout)
	ans := rx.srv.Acceptor.Decide(dctx, req)
	expired := errors.Is(dctx.Err(), context.DeadlineExceeded)
	dcancel()
	rx.decided()
	switch {
	case rx.ctx.Err() != nil:
		return context.Cause(rx.ctx)
	case expired:
		_ = rx.ss.fw.control(FrameDecision, Decision{Reason: "expired"})
		return newErr(errcode.OfferExpired, nil, "Name", name)
	case !ans.Accept || !keepsAny(ans.Items, len(rx.offer.Items)):
		_ = rx.ss.fw.control(FrameDecision, Decision{Reason: "declined"})
		return newErr(errcode.DeclinedLocal, nil, "Name", name)
	}
	return rx.accepted(ans)
}

// accepted receives an offer that was accepted (now or before a drop).
func (rx *receive) accepted(ans Answer) error {
	if ans.Dir != "" {
		rx.dir = ans.Dir
		rx.tr.update(func(e *Event) { e.Dir = ans.Dir })
	}
	rx.choice = ans.Items
	dec, err := rx.prepare()
	if err != nil {
		rx.ss.sendFinal(FrameError, ErrorMsg{Code: CodeOf(err).String()})
		return err
	}
	defer rx.ib.Close()
	if rx.offer.Swarm != "" && swarmAllAccepted(dec) {
		return rx.swarmAccepted(dec)
	}
	for range rxBuffers {
		rx.free <- make([]byte, dataHeaderLen+ChunkSize)
	}
	rx.streaming.Store(true)
	if err := rx.ss.fw.control(FrameDecision, dec); err != nil {
		return rx.lost(err)
	}
	if err := rx.write(); err != nil {
		if rx.ctx.Err() == nil && !isRemote(err) && !IsCode(err, errcode.PeerCancelled) && !IsCode(err, errcode.ConnectionLost) {
			rx.ss.sendFinal(FrameError, ErrorMsg{Code: CodeOf(err).String()})
		}
		return err
	}
	rx.finish()
	return nil
}

// finish dates the folders (after their files, deepest first) and waits
// for the sender's bye: it says bye once it has every ack, so it doesn't
// see a reset.
func (rx *receive) finish() {
	for i := len(rx.offer.Items) - 1; i >= 0; i-- {
		if it := rx.offer.Items[i]; it.Kind == KindDir {
			rx.ib.SetTime(rx.offer.SavePath(i), it.MTime)
		}
	}
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-rx.bye:
	case <-rx.ctx.Done():
	case <-t.C:
	}
}

// lost explains a dropped link in this person's terms: before an answer
// nothing was saved; after, the partial files wait for the sender to resume.
func (rx *receive) lost(cause error) *Error {
	e := newErr(errcode.ConnectionLost, cause, "Name", rx.ss.peer.Name)
	if rx.streaming.Load() {
		e.Key = "err.connection-lost.in"
	} else {
		e.Key = "err.connection-lost.offer-in"
	}
	return e
}

// resumable counts the bytes already held in partial files for this offer,
// so a resend after "disk full" only needs room for the rest. It only looks
// (nothing is created before consent).
func (rx *receive) resumable() int64 {
	root, err := os.OpenRoot(rx.dir)
	if err != nil {
		return 0
	}
	defer root.Close()
	var n int64
	for i, it := range rx.offer.Items {
		if it.Kind != KindFile {
			continue
		}
		if st, err := root.Lstat(filepath.FromSlash(savedir.PartialName(rx.ss.peer.ID, rx.offer.SavePath(i), it.Size, it.MTime))); err == nil && st.Mode().IsRegular() && st.Size() <= it.Size {
			n += st.Size()
		}
	}
	return n
}

// prepare creates folders and finds resumable partials. It runs only after
// consent: this is the first time the download folder is touched.
func (rx *receive) prepare() (*Decision, error) {
	ib, err := savedir.Open(rx.dir, rx.ss.peer.ID)
	if err != nil {
		return nil, err
	}
	rx.ib = ib
	dec := &Decision{Accept: true, Items: make([]ItemDecision, len(rx.offer.Items))}
	rx.files = make([]*rxFile, len(rx.offer.Items))
	var remaining, resumed int64
	var texts []string
	keep := Kept(rx.offer, rx.choice)
	savedir.CleanJournals(rx.dir, time.Now().Add(-savedir.JournalMaxAge))
	placedBefore := ib.Placed(rx.offer.Session)
	for i, it := range rx.offer.Items {
		it.Path = rx.offer.SavePath(i) // from here on, the path on this disk
		if !keep[i] {
			continue // skipped: no folder, no partial, and its data is refused
		}
		dec.Items[i].Accept = true
		switch it.Kind {
		case KindText:
			texts = append(texts, it.Text)
		case KindDir:
			if err := ib.Mkdir(it.Path); err != nil {
				ib.Close()
				return nil, err
			}
		case KindFile:
			pname := savedir.PartialName(rx.ss.peer.ID, it.Path, it.Size, it.MTime)
			if !rx.srv.claim(rx.dir + "\x00" + pname) {
				pname = savedir.UniquePartialName(it.Path)
				rx.srv.claim(rx.dir + "\x00" + pname)
			}
			rx.claims = append(rx.claims, rx.dir+"\x00"+pname)
			off, h, err := ib.ResumeState(pname, it.Size)
			if err != nil {
				ib.Close()
				return nil, err
			}
			placed := ""
			if p := placedBefore[i]; off == 0 && p != "" && it.Size > 0 {
				if ph := hashPlaced(ib, p, it.Size, it.MTime); ph != nil {
					placed, off, h = p, it.Size, ph // offered as all held (placed.go)
				}
			}
			rx.files[i] = &rxFile{idx: i, item: it, partial: pname, h: h, off: off, resumed: off, placed: placed}
			if off > 0 {
				dec.Items[i].Offset = off
				dec.Items[i].PrefixHash = hex.EncodeToString(h.Sum(nil))
			}
			remaining += it.Size - off
			resumed += off
		}
	}
	if err := rx.srv.reserveSpace(rx, rx.dir, remaining, true); err != nil {
		ib.Close()
		return nil, err
	}
	sk := skipOf(rx.offer, dec)
	rx.tr.update(func(e *Event) {
		e.State = StateSending
		e.Done = resumed
		e.Texts = texts
		sk.Apply(e)
	})
	return dec, nil
}

// readLoop reads the sender's frames for the whole session. Once the
// session's context ends it keeps reading and discarding until the
// connection ends, so closing never leaves unread data behind (see
// closeAfterFinal).
func (rx *receive) readLoop() {
	defer close(rx.readDone)
	scratch := make([]byte, dataHeaderLen+ChunkSize)
	var pooled []byte // the pool buffer the last data frame was read into
	get := func() ([]byte, error) {
		pooled = nil
		if rx.ctx.Err() != nil {
			return scratch, nil
		}
		if !rx.streaming.Load() {
			return nil, protocolError("data before the offer was accepted")
		}
		select {
		case b := <-rx.free:
			pooled = b
			return b, nil
		case <-rx.ctx.Done():
			return scratch, nil
		}
	}
	name := rx.ss.peer.Name
	byeSeen := false
	for {
		t, p, owned, err := rx.ss.fr.nextInto(get)
		if err != nil {
			if rx.ctx.Err() == nil {
				var e *Error
				if !errors.As(err, &e) {
					err = rx.lost(err)
				}
				rx.cancel(err)
			}
			return
		}
		if rx.ctx.Err() != nil {
			if owned && pooled != nil {
				rx.free <- pooled
				pooled = nil
			}
			continue
		}
		var job rxJob
		switch t {
		case FramePing:
			continue
		case FrameCancel:
			rx.cancel(newErr(errcode.PeerCancelled, nil, "Name", name))
			continue
		case FrameError:
			rx.cancel(remoteErr(p, name))
			continue
		case FrameBye:
			if !byeSeen {
				byeSeen = true
				close(rx.bye)
			}
			continue
		case FrameData:
			item, off, data, err := parseData(p)
			if err != nil {
				rx.cancel(err)
				continue
			}
			job = rxJob{t: t, item: int(item), offset: int64(off), buf: p, data: data}
		case FrameFileDone:
			var fd FileDone
			if err := decodeJSON(p, &fd, "file-done"); err != nil || !rx.streaming.Load() {
				rx.cancel(protocolError("file-done out of place"))
				continue
			}
			job = rxJob{t: t, item: fd.Item, digest: fd.Digest}
		default:
			if rx.offer.Swarm != "" {
				if err := rx.swarmFrame(t, p); err != nil {
					rx.cancel(err)
				}
				continue
			}
			rx.cancel(protocolError("unexpected frame type %d", t))
			continue
		}
		select {
		case rx.jobs <- job:
		case <-rx.ctx.Done():
		}
	}
}
