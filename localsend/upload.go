package localsend

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/savedir"
	"github.com/lempar/lempar/transfer"
)

// handleUpload streams one file (or one X-Content-Range piece of it) into
// the inbox. Any failure ends the whole session: the Lempar rule that a
// transfer is all verified or reported failed.
func (s *Service) handleUpload(w http.ResponseWriter, r *http.Request, v1 bool) {
	q := r.URL.Query()
	ip := remoteIP(r)
	sid, fid, tok := q.Get("sessionId"), q.Get("fileId"), q.Get("token")
	if fid == "" || tok == "" || (!v1 && sid == "") {
		fail(w, http.StatusBadRequest, "Missing parameters")
		return
	}
	ss := s.session(sid, ip, v1)
	if ss == nil {
		status := http.StatusForbidden
		s.mu.Lock()
		if len(s.sessions) > 0 {
			status = http.StatusConflict
		}
		s.mu.Unlock()
		s.refused(transfer.PeerInfo{Addr: r.RemoteAddr}, lsErr(errcode.LocalSendProtocol, nil, "Name", ip.String(), "Detail", "upload for an unknown session"))
		fail(w, status, "Invalid session")
		return
	}
	ss.mu.Lock()
	f := ss.files[fid]
	ok := ss.accepted && !ss.finished && ss.ip == ip && f != nil && subtle.ConstantTimeCompare([]byte(f.token), []byte(tok)) == 1
	if !ok {
		ss.mu.Unlock()
		s.refused(ss.peer, lsErr(errcode.LocalSendProtocol, nil, "Name", ip.String(), "Detail", "upload with a wrong token or from another address"))
		fail(w, http.StatusForbidden, "Invalid token or IP address")
		return
	}
	rng, err := parseRange(r.Header.Get("X-Content-Range"), f.it.item.Size)
	if err == nil {
		err = f.claim(rng)
	}
	if err != nil {
		ss.mu.Unlock()
		perr := lsErr(errcode.LocalSendProtocol, err, "Name", ss.peer.Name, "Detail", err.Error())
		s.end(ss, transfer.StateFailed, perr)
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	ss.uploads.Add(1)
	ss.mu.Unlock()
	defer ss.uploads.Done()

	if n := r.ContentLength; n >= 0 && n != rng.length() {
		// More (or fewer) bytes than announced: refused before reading any.
		err := engineErr(errcode.TooManyBytes, "Path", f.it.item.Path, "Name", ss.peer.Name)
		if n < rng.length() {
			err = lsErr(errcode.LocalSendProtocol, nil, "Name", ss.peer.Name, "Detail", fmt.Sprintf("%s: %d bytes sent for %d announced", f.it.item.Path, n, rng.length()))
		}
		s.end(ss, transfer.StateFailed, err)
		w.Header().Set("Connection", "close") // the unread body is not worth draining
		fail(w, http.StatusBadRequest, "Wrong size")
		return
	}
	// A cancelled session must unblock a read of a slow body. Such a cut
	// leaves a TLS connection unusable, so it is then closed after the
	// answer; and no cut may happen once the body is read (ending the
	// session below cancels its context).
	rc := http.NewResponseController(w)
	var dl sync.Mutex
	cut, over := false, false
	stop := context.AfterFunc(ss.ctx, func() {
		dl.Lock()
		defer dl.Unlock()
		if !over {
			cut = true
			_ = rc.SetReadDeadline(time.Now())
		}
	})
	saved, complete, err := s.receive(ss, f, r.Body, rng)
	stop()
	dl.Lock()
	over = true
	if cut || err != nil {
		w.Header().Set("Connection", "close")
	}
	dl.Unlock()
	if err != nil {
		if ss.ctx.Err() != nil && context.Cause(ss.ctx) != nil {
			fail(w, http.StatusConflict, "Session ended")
			return
		}
		if transfer.CodeOf(err) == errcode.DigestMismatch {
			// 422, as LocalSend 1.18 answers it: the sender uploads the
			// file again (its bytes were damaged on the way, or it changed
			// while read); nothing of it was kept.
			if !s.again(ss, f) {
				s.end(ss, transfer.StateFailed, err)
			}
			fail(w, http.StatusUnprocessableEntity, "Checksum mismatch")
			return
		}
		s.end(ss, transfer.StateFailed, err)
		status := http.StatusInternalServerError
		switch transfer.CodeOf(err) {
		case errcode.TooManyBytes, errcode.Protocol, errcode.LocalSendProtocol:
			status = http.StatusBadRequest
		}
		fail(w, status, "File not saved")
		return
	}
	if !complete {
		reply(w, http.StatusOK, message{"Chunk received"})
		return
	}
	ss.mu.Lock()
	f.state, f.saved = fileDone, saved
	ss.left--
	left := ss.left
	done := len(ss.files) - left // files holds the accepted ones
	ss.mu.Unlock()
	ss.prog.update(func(e *transfer.Event) { e.FilesDone = done })
	if left == 0 {
		s.end(ss, transfer.StateDone, nil)
	}
	w.WriteHeader(http.StatusOK)
}

// maxBadUploads is how many uploads of one file may fail their checksum
// before the session fails: a retry or two mends a damaged transfer, a
// sender that keeps sending other bytes can't hold the session.
const maxBadUploads = 3

// again lets f be uploaded anew after a checksum mismatch, unless it has
// failed maxBadUploads times. Its bytes no longer count as received.
func (s *Service) again(ss *rxSession, f *rxFile) bool {
	ss.mu.Lock()
	f.bad++
	ok := f.bad < maxBadUploads && !ss.finished
	if ok {
		f.state, f.chunk = filePending, nil
	}
	ss.mu.Unlock()
	if ok {
		ss.prog.update(func(e *transfer.Event) { e.Done -= f.it.item.Size; e.Current = "" })
	}
	return ok
}

// receive feeds body into the file: directly for a whole-file upload, or
// through the file's pipe for a piece. complete reports the file is saved.
func (s *Service) receive(ss *rxSession, f *rxFile, body io.Reader, rng byteRange) (string, bool, error) {
	name := f.it.item.Path
	progress := func(n int64) {
		ss.lastByte.Store(time.Now().UnixNano())
		ss.prog.update(func(e *transfer.Event) { e.Done += n; e.Current = name; e.CurrentSize = f.it.item.Size })
	}
	if !rng.partial {
		saved, err := ss.inbox.ReceiveFile(ss.ctx, saveAs(f.it), body, f.it.sha256, progress)
		return saved, err == nil, s.readErr(ss, err)
	}
	c := f.chunk
	if rng.start == 0 {
		c.start(ss.ctx, &ss.uploads, func(r io.Reader) (string, error) {
			return ss.inbox.ReceiveFile(ss.ctx, saveAs(f.it), r, f.it.sha256, progress)
		})
	}
	if err := c.feed(body, rng.length()); err != nil {
		if errors.Is(err, errPieceTooLong) {
			err = engineErr(errcode.TooManyBytes, "Path", name, "Name", ss.peer.Name)
		}
		return "", false, s.readErr(ss, err)
	}
	if rng.end+1 < rng.total {
		ss.mu.Lock()
		c.busy = false
		ss.mu.Unlock()
		return "", false, nil
	}
	saved, err := c.finish()
	return saved, err == nil, s.readErr(ss, err)
}

// saveAs is what the download folder needs to know of a file.
func saveAs(f rxItem) savedir.File {
	it := f.item
	return savedir.File{Path: f.save, Size: it.Size, Mode: it.Mode, MTime: it.MTime}
}

// readErr names a broken upload connection the engine's way.
func (s *Service) readErr(ss *rxSession, err error) error {
	if err == nil || transfer.IsEngineError(err) {
		return err
	}
	lost := engineErrFrom(errcode.ConnectionLost, err, "Name", ss.peer.Name)
	lost.Key = "localsend.err.connection-lost-in" // no resume in LocalSend
	return lost
}

// byteRange is the part of a file one upload carries. LocalSend sends a
// whole file per request; some implementations (localsend on npm) send
// large files as consecutive pieces with X-Content-Range: bytes S-E/T.
type byteRange struct {
	partial           bool
	start, end, total int64
}

func (b byteRange) length() int64 { return b.end - b.start + 1 }

var rangeRE = regexp.MustCompile(`^bytes (\d{1,18})-(\d{1,18})/(\d{1,18})$`)

func parseRange(h string, size int64) (byteRange, error) {
	if h == "" {
		return byteRange{start: 0, end: size - 1, total: size}, nil
	}
	m := rangeRE.FindStringSubmatch(h)
	if m == nil {
		return byteRange{}, fmt.Errorf("malformed X-Content-Range %q", truncate(h))
	}
	a, _ := strconv.ParseInt(m[1], 10, 64)
	b, _ := strconv.ParseInt(m[2], 10, 64)
	t, _ := strconv.ParseInt(m[3], 10, 64)
	if t != size || a > b || b >= t {
		return byteRange{}, fmt.Errorf("X-Content-Range %q doesn't fit a file of %d bytes", truncate(h), size)
	}
	return byteRange{partial: true, start: a, end: b, total: t}, nil
}

// claim checks that rng is the next thing this file may receive; ss.mu is
// held.
func (f *rxFile) claim(rng byteRange) error {
	switch {
	case f.state == fileDone:
		return fmt.Errorf("%s was already received", f.it.item.Path)
	case !rng.partial && f.state != filePending:
		return fmt.Errorf("%s is already being received", f.it.item.Path)
	case !rng.partial:
		f.state = fileReceiving
		return nil
	case f.state == filePending && rng.start == 0:
		f.state, f.chunk = fileReceiving, &chunked{busy: true}
		return nil
	case f.chunk == nil || f.chunk.busy || rng.start != f.chunk.next:
		return fmt.Errorf("%s: piece at %d is out of order", f.it.item.Path, rng.start)
	}
	f.chunk.busy = true
	return nil
}
