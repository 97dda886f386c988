package share

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Options start a share.
type Options struct {
	Paths []string // files and folders the person chose
	// Alias names this device on the page ("Files from Alias").
	Alias func() string
	// Info is the "info" object of prepare-download answers (LocalSend's
	// device info with download true); nil sends none.
	Info func() any
	// PIN, when it returns non-empty, must be given before anyone is asked.
	PIN func() string
	// OnChange hears that the list of browsers changed (one asks, is
	// answered, gives up, downloads). Called from any goroutine, never with
	// a lock held.
	OnChange func()
	// ConsentTimeout is how long a browser waits for the person's answer;
	// 0 = 2 minutes, as for offers.
	ConsentTimeout time.Duration
}

// Request is one browser (or LocalSend client) that opened the link.
type Request struct {
	ID      string // the session ID; Answer takes it
	Addr    netip.Addr
	Agent   string // "Chrome · Android"; "" when the browser didn't say
	Allowed bool   // else it waits for the person's answer
	Since   time.Time
	Files   int // downloads served to it (single files and zips)
}

// Bounds against a flood of browsers: consent requests waiting in all and
// per address, sessions allowed, downloads streaming at once, PIN tries.
const (
	maxPending        = 8
	maxPendingPerAddr = 2
	maxAllowed        = 64
	maxDownloads      = 16
	maxPINFails       = 5
	pinWindow         = 5 * time.Minute
	defaultConsent    = 2 * time.Minute
)

// Share is one running share. Stop ends it: waiting browsers are refused,
// downloads in flight are cut, and every session ID and file ID is dead
// (a new share has new ones).
type Share struct {
	o     Options
	files []File
	byID  map[string]*File
	ctx   context.Context // done when stopped
	stop  context.CancelFunc

	mu        sync.Mutex
	sessions  map[string]*session
	pinFails  map[netip.Addr]*pinState
	streaming int
}

type session struct {
	Request
	answer chan bool // pending: the person's answer (capacity 1)
}

type pinState struct {
	fails int
	since time.Time
}

// Server is what the LocalSend port mounts: it serves the running share,
// if any. One share at a time; Start replaces the one running.
type Server struct {
	mu  sync.Mutex
	cur *Share
}

// Start lists the chosen files and starts sharing them. Nothing is read
// yet beyond the folder listing.
func (s *Server) Start(o Options) (*Share, error) {
	files, err := collect(o.Paths)
	if err != nil {
		return nil, err
	}
	if o.ConsentTimeout <= 0 {
		o.ConsentTimeout = defaultConsent
	}
	if o.Alias == nil {
		o.Alias = func() string { return "Lempar" }
	}
	if o.PIN == nil {
		o.PIN = func() string { return "" }
	}
	sh := &Share{o: o, files: files, byID: map[string]*File{}, sessions: map[string]*session{}, pinFails: map[netip.Addr]*pinState{}}
	for i := range sh.files {
		sh.byID[sh.files[i].ID] = &sh.files[i]
	}
	sh.ctx, sh.stop = context.WithCancel(context.Background())
	s.mu.Lock()
	old := s.cur
	s.cur = sh
	s.mu.Unlock()
	if old != nil {
		old.Stop()
	}
	return sh, nil
}

// Current is the running share, or nil.
func (s *Server) Current() *Share {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil && s.cur.ctx.Err() != nil {
		s.cur = nil
	}
	return s.cur
}

// Stop ends the running share, if any.
func (s *Server) Stop() {
	s.mu.Lock()
	cur := s.cur
	s.cur = nil
	s.mu.Unlock()
	if cur != nil {
		cur.Stop()
	}
}

// Stop ends the share at once (see Share).
func (sh *Share) Stop() {
	sh.stop()
	sh.mu.Lock()
	for id, ss := range sh.sessions {
		delete(sh.sessions, id)
		if ss.answer != nil {
			select {
			case ss.answer <- false:
			default:
			}
		}
	}
	sh.mu.Unlock()
	sh.changed()
}

// Stopped reports whether Stop was called.
func (sh *Share) Stopped() bool { return sh.ctx.Err() != nil }

// Files lists what is shared.
func (sh *Share) Files() []File { return slices.Clone(sh.files) }

// Size is the total of the files' sizes.
func (sh *Share) Size() int64 {
	var n int64
	for _, f := range sh.files {
		n += f.Size
	}
	return n
}

// Requests lists the browsers waiting and allowed, oldest first.
func (sh *Share) Requests() []Request {
	sh.mu.Lock()
	out := make([]Request, 0, len(sh.sessions))
	for _, ss := range sh.sessions {
		out = append(out, ss.Request)
	}
	sh.mu.Unlock()
	slices.SortFunc(out, func(a, b Request) int { return a.Since.Compare(b.Since) })
	return out
}

// Answer gives the person's answer to a waiting browser. Declining forgets
// the session; a browser allowed once stays allowed until the share stops.
// It reports whether such a browser was waiting.
func (sh *Share) Answer(id string, allow bool) bool {
	sh.mu.Lock()
	ss := sh.sessions[id]
	ok := ss != nil && ss.answer != nil
	if ok {
		select {
		case ss.answer <- allow:
		default:
		}
	}
	sh.mu.Unlock()
	return ok
}

func (sh *Share) changed() {
	if sh.o.OnChange != nil {
		sh.o.OnChange()
	}
}

// ask registers a waiting browser, or says why it can't wait: the share
// stopped (0) or too many are waiting (false, busy).
func (sh *Share) ask(addr netip.Addr, agent string) (*session, bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.ctx.Err() != nil {
		return nil, false
	}
	pending, fromAddr, allowed := 0, 0, 0
	for _, ss := range sh.sessions {
		if ss.answer == nil {
			allowed++
			continue
		}
		pending++
		if ss.Addr == addr {
			fromAddr++
		}
	}
	if pending >= maxPending || fromAddr >= maxPendingPerAddr || allowed >= maxAllowed {
		return nil, false
	}
	ss := &session{Request: Request{ID: uuid.NewString(), Addr: addr, Agent: agent, Since: time.Now()}, answer: make(chan bool, 1)}
	sh.sessions[ss.ID] = ss
	return ss, true
}

// settle records the outcome of a wait: allowed sessions stay, others go.
func (sh *Share) settle(ss *session, allowed bool) {
	sh.mu.Lock()
	if allowed && sh.ctx.Err() == nil {
		ss.Allowed, ss.answer = true, nil
	} else {
		delete(sh.sessions, ss.ID)
	}
	sh.mu.Unlock()
	sh.changed()
}

// allowed returns the session id if it was allowed and is used from the
// address it was allowed for.
func (sh *Share) allowed(id string, addr netip.Addr) *session {
	if id == "" {
		return nil
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ss := sh.sessions[id]
	if sh.ctx.Err() != nil || ss == nil || !ss.Allowed || ss.Addr != addr {
		return nil
	}
	return ss
}

// checkPIN says whether a request may ask: 0 yes, else the HTTP status
// (401 missing or wrong, 429 after maxPINFails wrong tries within
// pinWindow from one address).
func (sh *Share) checkPIN(got string, addr netip.Addr) int {
	want := sh.o.PIN()
	if want == "" {
		return 0
	}
	now := time.Now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := sh.pinFails[addr]
	if st != nil && now.Sub(st.since) > pinWindow {
		delete(sh.pinFails, addr)
		st = nil
	}
	if st != nil && st.fails >= maxPINFails {
		return 429
	}
	if got != "" && constEq(got, want) {
		delete(sh.pinFails, addr)
		return 0
	}
	if got == "" {
		return 401
	}
	if st == nil {
		if len(sh.pinFails) >= 4096 {
			return 429 // a flood from many addresses: nobody guesses meanwhile
		}
		st = &pinState{since: now}
		sh.pinFails[addr] = st
	}
	st.fails++
	return 401
}

// startStream takes a download slot; done gives it back.
func (sh *Share) startStream(ss *session) (done func(), ok bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.streaming >= maxDownloads {
		return nil, false
	}
	sh.streaming++
	ss.Files++
	return func() {
		sh.mu.Lock()
		sh.streaming--
		sh.mu.Unlock()
	}, true
}

// Active reports whether a share is running (LocalSend's /info says
// download true meanwhile).
func (s *Server) Active() bool { return s.Current() != nil }
