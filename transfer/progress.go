package transfer

import (
	"net"
	"strconv"
	"sync"
	"time"
)

// State is where a session or a file stands.
type State string

const (
	StateWaiting   State = "waiting"   // offered, waiting for the person to decide
	StateSending   State = "sending"   // bytes are moving (both directions)
	StateVerifying State = "verifying" // all bytes moved; digests and fsync pending
	StateRetrying  State = "retrying"  // link lost; trying to reach the peer again
	StateDone      State = "done"
	StateDeclined  State = "declined"
	StateCancelled State = "cancelled"
	StateFailed    State = "failed"
)

// Final reports whether no further events follow.
func (s State) Final() bool {
	return s == StateDone || s == StateDeclined || s == StateCancelled || s == StateFailed
}

// Direction of a session as seen from this device.
type Direction string

const (
	Outgoing Direction = "out"
	Incoming Direction = "in"
)

// PeerInfo describes the other side of a session.
type PeerInfo struct {
	ID   string
	Name string
	OS   string
	App  string
	Addr string // the connection's remote address
	Port int    // where the peer receives, from its hello (0 = unknown)
	// Verified: ID is proven, not just claimed. A Lempar peer's ID is the
	// hash of the certificate its TLS connection proved; a LocalSend peer's
	// only when its client certificate or a call back to its address showed
	// that certificate. Trust rules (auto-accept, known-device allowances)
	// apply only to verified peers.
	Verified bool
}

// ReceiveAddr is where the peer can be sent to, if known.
func (p PeerInfo) ReceiveAddr() string {
	if p.Port == 0 {
		return ""
	}
	host, _, err := net.SplitHostPort(p.Addr)
	if err != nil {
		return ""
	}
	return net.JoinHostPort(host, strconv.Itoa(p.Port))
}

// Event is a snapshot of a session's progress. The engine sends one on
// every state change and at most every ProgressInterval in between; the one
// with a final State is always sent, and last.
type Event struct {
	Session   string
	Direction Direction
	Peer      PeerInfo
	State     State
	Code      string // verification code, once known

	Files     int // file items in the session
	FilesDone int
	Total     int64 // file bytes in the session
	Done      int64 // bytes held by the receiver, resumed prefixes included
	Sent      int64 // bytes that crossed the network in this session
	Rate      float64
	ETA       time.Duration

	Current     string // path of the file in flight
	CurrentDone int64
	CurrentSize int64

	// Skipped counts the files and texts the receiver's person unticked
	// (partial accept); Files and Total then count only the rest.
	// SkippedItems names them by top-level item, the first MaxSkippedNames.
	Skipped      int
	SkippedItems []string

	Swarm *SwarmStats // set on swarm sessions (swarm_doc.go); replaced, never changed in place

	Saved []string // receiver: final relative paths, in item order
	Texts []string // receiver: text items
	Dir   string   // receiver: the download folder used
	Err   error    // set with StateFailed, StateCancelled, StateDeclined
}

// ProgressInterval is the most often a progress event is emitted.
const ProgressInterval = 100 * time.Millisecond

// tracker turns byte counts into throttled events with a smoothed rate.
type tracker struct {
	emit func(Event)

	mu       sync.Mutex // guards everything below
	ev       Event
	lastEmit time.Time
	lastRate time.Time
	lastDone int64
	final    bool
}

func newTracker(ev Event, emit func(Event)) *tracker {
	if emit == nil {
		emit = func(Event) {}
	}
	now := time.Now()
	return &tracker{emit: emit, ev: ev, lastRate: now, lastDone: ev.Done}
}

// update changes the snapshot under the lock and emits if due. A state change
// is always emitted; a final state only once and nothing after it.
func (t *tracker) update(f func(*Event)) {
	t.mu.Lock()
	if t.final {
		t.mu.Unlock()
		return
	}
	before := t.ev.State
	f(&t.ev)
	now := time.Now()
	if dt := now.Sub(t.lastRate); dt >= ProgressInterval {
		inst := float64(t.ev.Done-t.lastDone) / dt.Seconds()
		if t.ev.Rate == 0 {
			t.ev.Rate = inst
		} else {
			// ~1 s time constant: steady enough to read, quick to follow.
			a := min(1, dt.Seconds())
			t.ev.Rate = (1-a)*t.ev.Rate + a*inst
		}
		t.lastRate, t.lastDone = now, t.ev.Done
		if t.ev.Rate > 1 {
			t.ev.ETA = time.Duration(float64(t.ev.Total-t.ev.Done) / t.ev.Rate * float64(time.Second))
		}
	}
	due := t.ev.State != before || t.ev.State.Final() || now.Sub(t.lastEmit) >= ProgressInterval
	if !due {
		t.mu.Unlock()
		return
	}
	t.lastEmit = now
	t.final = t.ev.State.Final()
	ev := t.ev
	ev.Saved = append([]string(nil), t.ev.Saved...)
	ev.Texts = append([]string(nil), t.ev.Texts...)
	if ev.State.Final() {
		ev.ETA = 0
	}
	// Emitting under the lock keeps events in order; emit must be quick.
	t.emit(ev)
	t.mu.Unlock()
}

func (t *tracker) snapshot() Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ev
}

// ended: the final event was emitted.
func (t *tracker) ended() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.final
}

// finish emits the final event (once).
func (t *tracker) finish(state State, err error) {
	t.update(func(e *Event) {
		e.State = state
		e.Err = err
	})
}
