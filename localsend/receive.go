package localsend

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/savedir"
	"github.com/lempar/lempar/transfer"
)

// rxSession is an incoming LocalSend session. It is created when an
// offer arrives (waiting for the decision) and ends with exactly one final
// event.
type rxSession struct {
	id    string
	ip    netip.Addr
	peer  transfer.PeerInfo
	known bool // a known, verified device: it may hold the second slot
	// back is the sender's own LocalSend server (from its info), told
	// when the person here cancels; invalid when it named none (v1).
	back      netip.AddrPort
	backProto string
	items     []rxItem
	prog      *progress

	ctx    context.Context // ends when the session does
	cancel context.CancelCauseFunc

	lastByte atomic.Int64   // unix nanos of the last byte received (stall watchdog)
	uploads  sync.WaitGroup // uploads in flight; the inbox closes after them

	mu       sync.Mutex // guards everything below
	accepted bool
	inbox    *savedir.Dir
	files    map[string]*rxFile // by the sender's file ID; set on accept
	left     int                // files not yet saved
	finished bool
}

type fileState uint8

const (
	filePending fileState = iota
	fileReceiving
	fileDone
)

type rxFile struct {
	idx   int
	it    rxItem
	token string
	state fileState
	saved string
	chunk *chunked // set while a file arrives in X-Content-Range pieces
	bad   int      // uploads of it whose checksum didn't match (see again)
}

// handlePrepare is prepare-upload (v2) and send-request (v1): checks, then
// the normal acceptor (trust rules, then the person), then tokens. What
// costs memory or a slot is checked before the body is read: a free
// session slot, the address's bodies in flight, the offer budget.
func (s *Service) handlePrepare(w http.ResponseWriter, r *http.Request, v1 bool) {
	ip := remoteIP(r)
	certID := ""
	if fp := certFingerprint(r); fp != "" {
		certID = PeerID(fp)
	}
	if !s.slotFree(s.isKnown(certID)) {
		s.refused(transfer.PeerInfo{Addr: r.RemoteAddr}, lsErr(errcode.LocalSendBusy, nil, "Name", ip.String()))
		refuseBody(w, http.StatusConflict, "Blocked by another session")
		return
	}
	if !s.enter(ip) {
		refuseBody(w, http.StatusTooManyRequests, "Too many requests")
		return
	}
	entered := true
	defer func() {
		if entered {
			s.leave(ip)
		}
	}()
	body, held, err := s.readBody(w, r, maxPrepareJSON)
	defer s.give(held) // the offer's weight is carried until the decision
	if err != nil {
		st, msg := bodyStatus(err)
		s.refused(transfer.PeerInfo{Addr: r.RemoteAddr}, lsErr(errcode.LocalSendProtocol, err, "Name", ip.String(), "Detail", err.Error()))
		refuseBody(w, st, msg)
		return
	}
	info, items, textOnly, err := decodePrepare(body)
	body = nil // only the items are kept
	if err != nil {
		s.refused(transfer.PeerInfo{Addr: r.RemoteAddr, Name: info.Alias}, lsErr(errcode.LocalSendProtocol, err, "Name", ip.String(), "Detail", err.Error()))
		fail(w, http.StatusBadRequest, "Invalid body")
		return
	}
	peer := transfer.PeerInfo{
		ID: PeerID(info.Fingerprint), Name: info.Alias, OS: guessOS(deref(info.DeviceType), deref(info.DeviceModel)),
		App: "LocalSend " + info.Version, Addr: r.RemoteAddr, Port: info.Port,
	}
	// v1 send-request carries the PIN as v2 does (?pin=), as 1.17 sends it.
	switch st := s.checkPIN(r, ip); st {
	case 0:
	case http.StatusTooManyRequests:
		s.refused(peer, lsErr(errcode.LocalSendPINLocked, nil, "Name", peer.Name))
		fail(w, st, "Too many attempts")
		return
	default:
		code := errcode.LocalSendPINWrong
		if r.URL.Query().Get("pin") == "" {
			code = errcode.LocalSendPINRequired
		}
		s.refused(peer, lsErr(code, nil, "Name", peer.Name))
		fail(w, st, "PIN required")
		return
	}
	// Who it is: its certificate, or a claim proven by calling it back. An
	// unproven claim still reaches the person (LocalSend over HTTP has no
	// certificate at all), but as unverified: trust rules skip it and the
	// dialog says so.
	fp, verified := s.identify(r.Context(), r, ip, &info, false)
	peer.ID, peer.Verified = PeerID(fp), verified
	s.leave(ip)
	entered = false
	s.listSender(ip, info, fp, verified)
	ss := s.newSession(peer, ip, items, verified && s.isKnown(peer.ID))
	if ss == nil {
		s.refused(peer, lsErr(errcode.LocalSendBusy, nil, "Name", peer.Name))
		fail(w, http.StatusConflict, "Blocked by another session")
		return
	}
	if !v1 && info.Port > 0 {
		ss.back, ss.backProto = netip.AddrPortFrom(ip, uint16(info.Port)), info.Protocol
	}
	status, resp := s.decide(r.Context(), ss, textOnly)
	if status == http.StatusNoContent && v1 {
		reply(w, http.StatusOK, map[string]string{}) // v1 senders read a file map: nothing to upload
		return
	}
	if status != http.StatusOK {
		reply(w, status, resp)
		return
	}
	pr := resp.(PrepareResponse)
	if v1 {
		reply(w, status, pr.Files)
		return
	}
	reply(w, status, pr)
}

// isKnown reports whether id (a verified peer ID) is a known device.
func (s *Service) isKnown(id string) bool {
	return id != "" && s.cfg.Known != nil && s.cfg.Known(id)
}

// Session slots. LocalSend receives from one sender at a time; we keep a
// second slot that only a known, verified device may take, so one
// stranger's pending offer (or a stranger holding the slot on purpose)
// never blocks a known device. Strangers and unverified peers never hold
// more than one session between them.
const maxSessions = 2

func (s *Service) slotFree(known bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slotFreeLocked(known)
}

func (s *Service) slotFreeLocked(known bool) bool {
	if len(s.sessions) >= maxSessions {
		return false
	}
	if known {
		return true
	}
	for _, ss := range s.sessions {
		if !ss.known {
			return false
		}
	}
	return true
}

// newSession takes a session slot, or returns nil when none is free for
// this peer.
func (s *Service) newSession(peer transfer.PeerInfo, ip netip.Addr, items []rxItem, known bool) *rxSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.slotFreeLocked(known) {
		return nil
	}
	id := uuid.NewString()
	var files int
	var total int64
	for _, it := range items {
		if it.item.Kind == transfer.KindFile {
			files++
			total += it.item.Size
		}
	}
	ss := &rxSession{id: id, ip: ip, peer: peer, items: items, known: known}
	ss.ctx, ss.cancel = context.WithCancelCause(context.Background())
	ss.prog = newProgress(transfer.Event{
		Session: id, Direction: transfer.Incoming, Peer: peer, State: transfer.StateWaiting,
		Files: files, Total: total, Dir: s.cfg.Dir(),
	}, s.cfg.OnEvent)
	s.sessions = append(s.sessions, ss)
	return ss
}

// session finds the session an upload or cancel names: by its ID (v2), or
// for v1, which has none, the session of the sender's address.
func (s *Service) session(id string, ip netip.Addr, v1 bool) *rxSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		if (!v1 && ss.id == id) || (v1 && ss.ip == ip) {
			return ss
		}
	}
	return nil
}

// decide asks the acceptor and answers the sender: tokens, 204 for a
// message, 403 when declined.
func (s *Service) decide(rctx context.Context, ss *rxSession, textOnly bool) (int, any) {
	dir := s.cfg.Dir()
	offer := &transfer.Offer{Session: ss.id}
	for _, it := range ss.items {
		offer.Items = append(offer.Items, it.item)
	}
	if free, err := savedir.FreeSpace(savedir.ExistingParent(dir)); err == nil && uint64(offer.Total())+16<<20 > free {
		s.end(ss, transfer.StateDeclined, engineErr(errcode.NoSpace, "Name", ss.peer.Name, "Need", i18n.Bytes(offer.Total()), "Free", i18n.Bytes(int64(free)), "Dir", dir))
		return http.StatusForbidden, message{"Not enough free space"}
	}
	req := &transfer.Request{Session: ss.id, Peer: ss.peer, Offer: offer, Dir: dir, Expires: time.Now().Add(s.cfg.OfferTimeout)}
	dctx, cancel := context.WithTimeout(rctx, s.cfg.OfferTimeout)
	stop := context.AfterFunc(ss.ctx, cancel) // cancelled here (or the service stops)
	ans := s.cfg.Acceptor.Decide(dctx, req)
	stop()
	expired := errors.Is(dctx.Err(), context.DeadlineExceeded)
	cancel()
	switch {
	case ss.ctx.Err() != nil:
		s.end(ss, transfer.StateCancelled, context.Cause(ss.ctx))
		return http.StatusForbidden, message{"Cancelled"}
	case rctx.Err() != nil:
		s.end(ss, transfer.StateCancelled, engineErr(errcode.PeerCancelled, "Name", ss.peer.Name))
		return http.StatusForbidden, message{"Cancelled"}
	case expired:
		s.end(ss, transfer.StateDeclined, engineErr(errcode.OfferExpired, "Name", ss.peer.Name))
		return http.StatusForbidden, message{"Rejected"}
	case !ans.Accept || !transfer.KeepsAny(ans.Items, len(offer.Items)):
		s.end(ss, transfer.StateDeclined, engineErr(errcode.DeclinedLocal, "Name", ss.peer.Name))
		return http.StatusForbidden, message{"Rejected"}
	}
	if ans.Dir != "" {
		dir = ans.Dir
	}
	keep := s.keep(ss, offer, ans.Items)
	if textOnly {
		var texts []string
		for i, it := range ss.items {
			if keep[i] {
				texts = append(texts, it.item.Text)
			}
		}
		ss.prog.update(func(e *transfer.Event) { e.Texts = texts; e.Dir = dir })
		s.end(ss, transfer.StateDone, nil)
		return http.StatusNoContent, nil
	}
	inbox, err := savedir.Open(dir, ss.peer.ID)
	if err != nil {
		s.end(ss, transfer.StateFailed, err)
		return http.StatusInternalServerError, message{"Cannot write to the download folder"}
	}
	resp := PrepareResponse{SessionID: ss.id, Files: map[string]string{}}
	ss.mu.Lock()
	ss.inbox = inbox
	ss.files = map[string]*rxFile{}
	for i, it := range ss.items {
		if !keep[i] {
			continue // unticked: no token, so the sender never uploads it
		}
		tok := newToken()
		ss.files[it.id] = &rxFile{idx: i, it: it, token: tok}
		resp.Files[it.id] = tok
	}
	ss.left = len(ss.files)
	ss.accepted = true
	ss.mu.Unlock()
	ss.lastByte.Store(time.Now().UnixNano())
	ss.prog.update(func(e *transfer.Event) { e.State = transfer.StateSending; e.Dir = dir })
	go s.watch(ss)
	return http.StatusOK, resp
}

// watch fails an accepted session whose sender went quiet: LocalSend has
// no keepalive, and the slot must not stay blocked forever.
func (s *Service) watch(ss *rxSession) {
	limit := s.cfg.StallTimeout
	t := time.NewTicker(max(limit/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ss.ctx.Done():
			return
		case <-t.C:
			if time.Since(time.Unix(0, ss.lastByte.Load())) > limit {
				s.end(ss, transfer.StateFailed, lsErr(errcode.LocalSendStalled, nil, "Name", ss.peer.Name, "Seconds", int(limit.Seconds())))
				return
			}
		}
	}
}

// end finishes a session once: the final event, the slot freed, uploads
// still running stopped (their partial files are removed by the inbox).
func (s *Service) end(ss *rxSession, state transfer.State, err error) {
	ss.mu.Lock()
	if ss.finished {
		ss.mu.Unlock()
		return
	}
	ss.finished = true
	inbox := ss.inbox
	var saved []string
	done := 0
	for _, it := range ss.items {
		if f := ss.files[it.id]; f != nil && f.state == fileDone {
			saved = append(saved, f.saved)
			done++
		}
	}
	ss.mu.Unlock()
	cause := err
	if cause == nil {
		cause = context.Canceled
	}
	ss.cancel(cause)
	s.mu.Lock()
	for i, o := range s.sessions {
		if o == ss {
			s.sessions = append(s.sessions[:i:i], s.sessions[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	if inbox != nil {
		// Uploads in flight see the cancelled context and return; the
		// folder handle is closed after the last of them (see release).
		ss.closeInboxWhenIdle(inbox)
	}
	ss.prog.update(func(e *transfer.Event) {
		e.Saved = saved
		e.FilesDone = done
		e.Current = ""
	})
	ss.prog.finish(state, err)
}

func (ss *rxSession) closeInboxWhenIdle(in *savedir.Dir) {
	go func() {
		ss.uploads.Wait()
		in.Close()
	}()
}

// cancelActive ends the running sessions (the service stops) and tells
// their senders, so a quit device isn't retried as a lost connection.
func (s *Service) cancelActive(err error) {
	s.mu.Lock()
	all := slices.Clone(s.sessions)
	s.mu.Unlock()
	for _, ss := range all {
		s.end(ss, transfer.StateCancelled, err)
		s.tell(ss)
	}
}

// Cancel stops an incoming session by its ID (the person clicked Cancel).
func (s *Service) Cancel(session string) bool {
	ss := s.session(session, netip.Addr{}, false)
	if ss == nil {
		return false
	}
	s.end(ss, transfer.StateCancelled, engineErr(errcode.Cancelled))
	s.tell(ss)
	return true
}

// tell lets ss's sender know we cancelled, as the official apps do: it
// stops uploading and its row says we cancelled. Serve waits for this.
func (s *Service) tell(ss *rxSession) {
	if !ss.back.IsValid() {
		return
	}
	s.telling.Add(1)
	go func() {
		defer s.telling.Done()
		s.tellSender(ss)
	}()
}

// tellSender posts /cancel for ss to the sender's own server.
func (s *Service) tellSender(ss *rxSession) {
	c := newClient(s.cfg.Identity, "", 1, nil)
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), tellWait)
	defer cancel()
	u := endpoint(ss.backProto, ss.back.String(), apiV2+"cancel", url.Values{"sessionId": {ss.id}})
	_, _, _ = postJSON(ctx, c, u, nil, maxInfoJSON)
}

// tellWait bounds telling a sender we cancelled; the window gives the
// device 3 seconds to stop.
const tellWait = 2 * time.Second

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
