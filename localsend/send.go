package localsend

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// SendOptions describe one send to a LocalSend device.
type SendOptions struct {
	Identity *transfer.Identity
	Self     DeviceInfo // how we introduce ourselves; Service.Self() gives it
	To       Device     // Addr required; Protocol "" tries HTTPS, then HTTP
	// PIN is asked when the receiver wants one; wrong is true after it
	// refused the last one. ok=false (the person gave up) cancels the send;
	// ok with an empty pin means there is no (other) PIN to try, and the
	// send fails with "PIN required" or "wrong PIN" (a PIN given on a
	// command line). Nil fails the send with a "PIN required" error.
	PIN      func(ctx context.Context, wrong bool) (pin string, ok bool)
	Session  string // "" = a new one
	Parallel int    // files uploaded at once; 0 = 3
	OnEvent  func(transfer.Event)
	// Via is our running LocalSend server, if any: a /cancel the receiver
	// posts to it for this send's session stops the send.
	Via *Service
}

const (
	maxPINTries = 10
	cancelWait  = 3 * time.Second
)

// Send offers srcs to a LocalSend device and uploads what it accepts,
// emitting transfer.Events like a Lempar send (one final event, always).
// Cancel ctx to stop; the receiver is told. Folders travel as the relative
// paths of their files (LocalSend has no folder items, so empty folders
// are not sent); text items travel as LocalSend messages.
func Send(ctx context.Context, o SendOptions, srcs []transfer.Source) (transfer.Event, error) {
	if o.Session == "" {
		o.Session = uuid.NewString()
	}
	if o.Parallel <= 0 {
		o.Parallel = 3
	}
	name := o.To.Alias
	if name == "" {
		name = o.To.Addr.String()
	}
	files, req := buildOffer(o.Self, srcs)
	var nfiles int
	var total int64
	for _, f := range files {
		if f.src.Kind == transfer.KindFile {
			nfiles++
			total += f.src.Size
		}
	}
	prog := newProgress(transfer.Event{
		Session: o.Session, Direction: transfer.Outgoing, State: transfer.StateWaiting,
		Peer:  transfer.PeerInfo{ID: o.To.ID, Name: name, OS: o.To.OS(), App: "LocalSend " + o.To.Version, Addr: o.To.Addr.String(), Port: int(o.To.Addr.Port())},
		Files: nfiles, Total: total,
	}, o.OnEvent)
	s := &sender{o: o, name: name, prog: prog, seen: &certSeen{}}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	s.stop = stop
	err := s.run(ctx, files, req)
	state := transfer.EndState(err)
	if fp := s.seen.get(); fp != "" && !isHex64(o.To.Fingerprint) {
		// Known only by address: the certificate it showed names it.
		prog.update(func(e *transfer.Event) { e.Peer.ID = PeerID(fp) })
	}
	prog.finish(state, err)
	return prog.snapshot(), err
}

type outFile struct {
	id  string
	src transfer.Source
}

// buildOffer maps Lempar items onto LocalSend files.
func buildOffer(self DeviceInfo, srcs []transfer.Source) ([]outFile, PrepareRequest) {
	req := PrepareRequest{Info: self, Files: map[string]FileMeta{}}
	req.Info.Announce, req.Info.Announcement = nil, nil
	var out []outFile
	for i, src := range srcs {
		id := "f" + strconv.Itoa(i)
		switch src.Kind {
		case transfer.KindFile:
			m := FileMeta{ID: id, FileName: src.Path, Size: src.Size, FileType: fileType(src.Path)}
			if src.MTime != 0 {
				m.Metadata = &struct {
					Modified *string `json:"modified,omitempty"`
					Accessed *string `json:"accessed,omitempty"`
				}{Modified: str(time.Unix(0, src.MTime).UTC().Format(time.RFC3339))}
			}
			req.Files[id] = m
		case transfer.KindText:
			// LocalSend's message form: a .txt whose preview is the text.
			req.Files[id] = FileMeta{ID: id, FileName: uuid.NewString() + ".txt", Size: int64(len(src.Text)), FileType: "text/plain", Preview: str(src.Text)}
		default:
			continue
		}
		out = append(out, outFile{id: id, src: src})
	}
	return out, req
}

func fileType(p string) string {
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

type sender struct {
	o      SendOptions
	name   string
	prog   *progress
	seen   *certSeen
	client *http.Client
	proto  string
	stop   context.CancelCauseFunc // ends the send; the cause says who
}

func (s *sender) err(code errcode.Code, cause error, args ...any) error {
	return lsErr(code, cause, append([]any{"Name", s.name, "Addr", s.o.To.Addr.String()}, args...)...)
}

func (s *sender) run(ctx context.Context, files []outFile, req PrepareRequest) error {
	if len(files) == 0 {
		return engineErr(errcode.EmptyOffer)
	}
	s.client = newClient(s.o.Identity, s.o.To.Fingerprint, s.o.Parallel, s.seen)
	defer s.client.CloseIdleConnections()
	s.proto = s.o.To.Protocol
	resp, status, err := s.prepare(ctx, req)
	if err != nil {
		if ctx.Err() != nil && s.proto != "" {
			s.withdraw(ctx)
		}
		return err
	}
	if status == http.StatusNoContent {
		return nil // a message, shown there; or nothing needed
	}
	var jobs []outFile
	for _, f := range files {
		if resp.Files[f.id] != "" {
			jobs = append(jobs, f)
		}
	}
	if len(jobs) == 0 {
		return engineErr(errcode.Declined, "Name", s.name)
	}
	s.skipped(files, resp)
	s.prog.update(func(e *transfer.Event) { e.State = transfer.StateSending })
	if v := s.o.Via; v != nil {
		defer v.sending(resp.SessionID, s.o.To.Addr.Addr(), s.stop)()
	}
	if err := s.uploadAll(ctx, resp, jobs); err != nil {
		if cause := context.Cause(ctx); transfer.IsCode(cause, errcode.PeerCancelled) {
			return engineErr(errcode.PeerCancelled, "Name", s.name) // it knows
		}
		if ctx.Err() != nil {
			err = engineErr(errcode.Cancelled)
		}
		// Tell the receiver, so it frees its slot and drops partial files.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelWait)
		_, _, _ = postJSON(cctx, s.client, endpoint(s.proto, s.o.To.Addr.String(), apiV2+"cancel", url.Values{"sessionId": {resp.SessionID}}), nil, maxInfoJSON)
		cancel()
		return err
	}
	return nil
}

// withdraw tells the receiver we stopped waiting for its answer: a cancel
// without a session ID (there is none before the answer), which the
// official apps and Lempar take as withdrawing the pending offer. The
// official apps don't notice the closed request, so without it their
// dialog would stay open and their slot taken.
func (s *sender) withdraw(ctx context.Context) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelWait)
	defer cancel()
	_, _, _ = postJSON(cctx, s.client, endpoint(s.proto, s.o.To.Addr.String(), apiV2+"cancel", nil), nil, maxInfoJSON)
}

// prepare sends the offer and waits for the person there, asking for a PIN
// when the receiver wants one.
func (s *sender) prepare(ctx context.Context, req PrepareRequest) (PrepareResponse, int, error) {
	var pin string
	wrong := false
	for try := 0; ; try++ {
		q := url.Values{}
		if pin != "" {
			q.Set("pin", pin)
		}
		status, body, err := s.post(ctx, apiV2+"prepare-upload", q, req, maxPrepareJSON)
		if err != nil {
			return PrepareResponse{}, 0, err
		}
		switch status {
		case http.StatusOK:
			var resp PrepareResponse
			if err := decodeBytes(body, &resp); err != nil || resp.SessionID == "" || len(resp.SessionID) > maxIDBytes {
				if err == nil {
					err = errors.New("no session ID")
				}
				return resp, 0, s.err(errcode.LocalSendProtocol, nil, "Detail", "prepare-upload answer: "+err.Error())
			}
			return resp, status, nil
		case http.StatusNoContent:
			return PrepareResponse{}, status, nil
		case http.StatusUnauthorized:
			if s.o.PIN == nil || try >= maxPINTries {
				if pin == "" {
					return PrepareResponse{}, 0, s.err(errcode.LocalSendPINRequired, nil)
				}
				return PrepareResponse{}, 0, s.err(errcode.LocalSendPINWrong, nil)
			}
			p, ok := s.o.PIN(ctx, wrong)
			switch {
			case !ok || ctx.Err() != nil:
				return PrepareResponse{}, 0, engineErr(errcode.Cancelled)
			case p == "" && pin == "":
				return PrepareResponse{}, 0, s.err(errcode.LocalSendPINRequired, nil)
			case p == "":
				return PrepareResponse{}, 0, s.err(errcode.LocalSendPINWrong, nil)
			}
			wrong = true
			pin = p
		case http.StatusForbidden:
			return PrepareResponse{}, 0, engineErr(errcode.Declined, "Name", s.name)
		case http.StatusConflict:
			return PrepareResponse{}, 0, s.err(errcode.LocalSendBusy, nil)
		case http.StatusTooManyRequests:
			return PrepareResponse{}, 0, s.err(errcode.LocalSendPINLocked, nil)
		default:
			return PrepareResponse{}, 0, s.err(errcode.LocalSendHTTP, nil, "Status", status)
		}
	}
}

// post tries the peer's protocol; when it is unknown, HTTPS first and then
// HTTP, remembering what worked.
func (s *sender) post(ctx context.Context, p string, q url.Values, v any, max int64) (int, []byte, error) {
	protos := []string{s.proto}
	if s.proto == "" {
		protos = []string{"https", "http"}
	}
	var lastErr error
	for _, proto := range protos {
		status, body, err := postJSON(ctx, s.client, endpoint(proto, s.o.To.Addr.String(), p, q), v, max)
		if err == nil {
			s.proto = proto
			return status, body, nil
		}
		if ctx.Err() != nil {
			return 0, nil, engineErr(errcode.Cancelled)
		}
		var fe *errFingerprint
		if errors.As(err, &fe) {
			return 0, nil, s.err(errcode.LocalSendFingerprint, nil, "Expected", transfer.ShortID(fe.expected), "Got", transfer.ShortID(fe.got))
		}
		lastErr = err
		if proto == "https" && len(protos) > 1 && !isPlainHTTPAnswer(err) {
			break // nothing answered at all: no use trying HTTP
		}
	}
	return 0, nil, s.err(errcode.LocalSendUnreachable, lastErr)
}

// uploadAll uploads the accepted files, o.Parallel at a time; the first
// failure stops the others.
func (s *sender) uploadAll(ctx context.Context, resp PrepareResponse, jobs []outFile) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan outFile)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(s.o.Parallel, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				if err := s.upload(ctx, resp.SessionID, resp.Files[f.id], f); err != nil {
					once.Do(func() { first = err })
					cancel(err)
				}
			}
		}()
	}
feed:
	for _, f := range jobs {
		select {
		case work <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = engineErr(errcode.Cancelled)
	}
	return first
}

// upload sends one file. A 422 means the receiver's checksum didn't
// match (bytes damaged on the way): the file is sent again, as LocalSend
// 1.18 does, at most maxBadUploads times in all (the receiver's bound too).
func (s *sender) upload(ctx context.Context, session, token string, f outFile) error {
	for try := 1; ; try++ {
		sent, status, err := s.uploadOnce(ctx, session, token, f)
		switch {
		case err != nil:
			return err
		case status == http.StatusUnprocessableEntity && try < maxBadUploads:
			s.prog.update(func(e *transfer.Event) { e.Done -= sent })
			continue
		case status == http.StatusUnprocessableEntity:
			return &transfer.Error{Code: errcode.DigestMismatch, Key: "localsend.err.damaged", Args: []any{"Name", s.name, "Path", f.src.Path, "Tries", try}}
		case status/100 != 2:
			return s.err(errcode.LocalSendUpload, nil, "Path", f.src.Path, "Status", status)
		}
		if f.src.Kind == transfer.KindFile {
			s.prog.update(func(e *transfer.Event) { e.FilesDone++ })
		}
		return nil
	}
}

// uploadOnce makes one upload request for f: the bytes it sent, and the
// receiver's status.
func (s *sender) uploadOnce(ctx context.Context, session, token string, f outFile) (int64, int, error) {
	var body io.Reader
	size := f.src.Size
	if f.src.Kind == transfer.KindText {
		body = strings.NewReader(f.src.Text)
	} else {
		fh, err := os.Open(f.src.Local)
		if err != nil {
			return 0, 0, engineErrFrom(errcode.SourceUnreadable, err, "Path", f.src.Local)
		}
		defer fh.Close()
		st, err := fh.Stat()
		if err != nil || st.Size() != size {
			return 0, 0, engineErrFrom(errcode.SourceChanged, err, "Path", f.src.Local) // err is nil when only the size changed
		}
		body = io.NewSectionReader(fh, 0, size)
	}
	cur := f.src.Path
	var sent atomic.Int64 // the transport may still read the body as the answer comes
	body = &countingReader{r: body, add: func(n int64) {
		sent.Add(n)
		s.prog.update(func(e *transfer.Event) {
			e.Done += n
			e.Sent += n
			e.Current, e.CurrentSize = cur, size
		})
	}}
	q := url.Values{"sessionId": {session}, "fileId": {f.id}, "token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint(s.proto, s.o.To.Addr.String(), apiV2+"upload", q), body)
	if err != nil {
		return 0, 0, err
	}
	req.ContentLength = size
	if size == 0 {
		req.Body = http.NoBody
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, 0, engineErr(errcode.Cancelled)
		}
		lost := engineErrFrom(errcode.ConnectionLost, err, "Name", s.name)
		lost.Key = "localsend.err.connection-lost" // no resume in LocalSend
		return 0, 0, lost
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxInfoJSON))
	resp.Body.Close()
	return sent.Load(), resp.StatusCode, nil
}

type countingReader struct {
	r   io.Reader
	add func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.add(int64(n))
	}
	return n, err
}
