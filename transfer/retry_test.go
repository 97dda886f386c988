package transfer

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lempar/lempar/savedir"
)

// cutter is a TCP relay whose connections can be cut, like a Wi-Fi drop.
type cutter struct {
	ln    net.Listener
	to    string
	mu    sync.Mutex
	conns []net.Conn
	// delivered counts the bytes passed on towards the receiver.
	delivered atomic.Int64
	frozen    map[net.Conn]bool // see freeze
	// pauseAfter, when set, freezes the connections once that many bytes
	// reached the receiver's side, and closes paused: a break at an exact
	// point, however fast the machine (progress events are throttled, so
	// a cut triggered by one can come after the last byte).
	pauseAfter int64
	paused     chan struct{}
	pausedYet  atomic.Bool // later connections (a retry) are relayed in full
}

func newCutter(t *testing.T, to string) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln, to: to, frozen: map[net.Conn]bool{}, paused: make(chan struct{})}
	t.Cleanup(func() { ln.Close(); c.cut() })
	go func() {
		for {
			a, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", to)
			if err != nil {
				a.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, a, b)
			c.mu.Unlock()
			go c.pipe(a, b, nil)
			go c.pipe(b, a, &c.delivered)
		}
	}()
	return c
}

// pipe copies src to dst until either ends; once src is frozen its bytes
// are swallowed and its end is not passed on.
func (c *cutter) pipe(dst, src net.Conn, count *atomic.Int64) {
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		last := false
		if room := c.pauseAfter - c.delivered.Load(); count != nil && c.pauseAfter > 0 && !c.pausedYet.Load() && int64(n) >= room {
			n, last = int(max(room, 0)), true
		}
		if n > 0 && !c.isFrozen(src) {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
			if count != nil {
				count.Add(int64(n))
			}
		}
		if last && c.pausedYet.CompareAndSwap(false, true) {
			c.freeze()
			close(c.paused)
		}
		if err != nil {
			break
		}
	}
	if !c.isFrozen(src) {
		dst.Close()
	}
}

func (c *cutter) isFrozen(x net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frozen[x]
}

// freeze makes the current connections a black hole in both directions,
// like Wi-Fi that went away without a word: no reset, no FIN, nothing.
// Connections made afterwards are relayed normally.
func (c *cutter) freeze() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.conns {
		c.frozen[x] = true
	}
	c.conns = nil
}

// inFlightSlack bounds what a cut link can lose on the receiver's side
// after the relay delivered it: the kernel's receive buffer (loopback
// autotunes it up to 6 MiB, and a reset discards it) plus the receiver's
// own pipeline of a few chunks. A resend may send that much again.
const inFlightSlack = 8<<20 + 8*ChunkSize

// cut drops every connection and reports how many bytes had reached the
// receiver's side by then.
func (c *cutter) cut() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.conns {
		x.Close()
	}
	c.conns = nil
	for x := range c.frozen {
		x.Close()
	}
	return c.delivered.Load()
}

// dropCase is a sender whose link to an accepting receiver breaks while a
// file of size bytes is on its way, through a relay the test controls.
type dropCase struct {
	rx    *testNode
	relay *cutter
	asked atomic.Int32
	data  []byte
}

func newDropCase(t *testing.T, size int, opts ...func(*Server)) *dropCase {
	c := &dropCase{data: randBytes(size)}
	c.rx = startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		c.asked.Add(1)
		return Answer{Accept: true}
	}), opts...)
	c.relay = newCutter(t, c.rx.addr)
	return c
}

// send sends the file, calling onEvent on each event; it must survive the
// break by retrying. It returns the final event and the bytes sent before
// the first retry.
func (c *dropCase) send(t *testing.T, onEvent func(Event)) (Event, int64) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "video.mp4")
	writeFile(t, src, c.data)
	id, _ := NewEphemeralIdentity()
	srcs, _ := CollectSources([]string{src})
	var retried atomic.Bool
	var sentBeforeRetry atomic.Int64
	ev, err := Send(context.Background(), id, SendOptions{
		Addr: c.relay.ln.Addr().String(), RetryFor: DefaultRetryFor,
		OnEvent: func(e Event) {
			onEvent(e)
			if e.State == StateRetrying && !retried.Swap(true) {
				sentBeforeRetry.Store(e.Sent)
			}
		},
	}, srcs)
	if err != nil {
		t.Fatalf("send did not survive the drop: %v", err)
	}
	if !retried.Load() {
		t.Fatal("no retrying state was reported")
	}
	return ev, sentBeforeRetry.Load()
}

// checkDelivered: one question to the person, one intact file, nothing else.
func (c *dropCase) checkDelivered(t *testing.T) {
	t.Helper()
	if n := c.asked.Load(); n != 1 {
		t.Fatalf("the person was asked %d times", n)
	}
	re := c.rx.waitFinal(t)
	if re.State != StateDone {
		t.Fatalf("receiver: %v %v", re.State, re.Err)
	}
	got, _ := os.ReadFile(filepath.Join(c.rx.dir, "video.mp4"))
	if string(got) != string(c.data) {
		t.Fatal("file differs after the drop")
	}
	if ents := visibleEntries(c.rx.dir); len(ents) != 1 {
		t.Fatalf("download folder holds %v, want just the file", ents)
	}
}

func TestDroppedLinkResumesWithoutSecondAccept(t *testing.T) {
	c := newDropCase(t, 48<<20)
	c.relay.pauseAfter = int64(len(c.data) / 2)
	var delivered atomic.Int64
	go func() {
		<-c.relay.paused
		delivered.Store(c.relay.cut())
	}()
	ev, sentBefore := c.send(t, func(Event) {})
	c.checkDelivered(t)
	// Bytes sent again after the cut: at most what had not reached the
	// receiver's side (counted by the relay, so the test doesn't depend on
	// how fast the cut lands) plus what it held in its pipeline.
	after := ev.Sent - sentBefore
	if limit := int64(len(c.data)) - delivered.Load() + inFlightSlack; after > limit {
		t.Fatalf("sent %d bytes after the cut, more than the %d not delivered plus slack", after, limit)
	}
}

// The link dies silently and the sender notices first (here: the receiver
// would wait a minute): its resend takes over the stale session instead of
// asking the person again or starting a second copy of the file.
func TestSilentDropSenderReturnsFirst(t *testing.T) {
	c := newDropCase(t, 32<<20, func(s *Server) { s.IdleTimeout = time.Minute })
	c.relay.pauseAfter = int64(len(c.data) / 4) // then a black hole
	start := time.Now()
	c.send(t, func(Event) {})
	if took := time.Since(start); took > IdleTimeout+20*time.Second {
		t.Fatalf("took %v: the stale session was waited out, not taken over", took)
	}
	c.checkDelivered(t)
}

func TestRestartedSenderContinuesParkedSession(t *testing.T) {
	var asked atomic.Int32
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		asked.Add(1)
		return Answer{Accept: true}
	}))
	relay := newCutter(t, rx.addr)
	data := randBytes(24 << 20)
	src := filepath.Join(t.TempDir(), "arsip.zip")
	writeFile(t, src, data)
	id, _ := NewEphemeralIdentity()
	srcs, _ := CollectSources([]string{src})
	relay.pauseAfter = int64(len(data) / 2)
	go func() {
		<-relay.paused
		relay.cut()
	}()
	first, err := Send(context.Background(), id, SendOptions{Addr: relay.ln.Addr().String()}, srcs)
	if err == nil {
		t.Fatal("the first send should have been cut")
	}
	// The receiver notices the cut on its own schedule; a resend that
	// arrives before it has parked the session is a new offer.
	deadline := time.Now().Add(15 * time.Second)
	for !rx.saw(StateRetrying) {
		if time.Now().After(deadline) {
			t.Fatal("the receiver never parked the cut session")
		}
		time.Sleep(10 * time.Millisecond) // polling, bounded by the deadline
	}
	// Same device, same file, new session (a restarted sender).
	second, err := Send(context.Background(), id, SendOptions{Addr: rx.addr}, srcs)
	if err != nil {
		t.Fatal(err)
	}
	if second.Session == first.Session || asked.Load() != 1 {
		t.Fatalf("asked %d times (sessions %s, %s)", asked.Load(), first.Session, second.Session)
	}
	re := rx.waitFinal(t)
	if re.State != StateDone || re.Session != first.Session {
		t.Fatalf("receiver: %v %v session %s", re.State, re.Err, re.Session)
	}
	if second.Sent >= int64(len(data))*3/4 {
		t.Fatalf("second send moved %d of %d bytes", second.Sent, len(data))
	}
}

// visibleEntries lists dir as a person sees it: without the hidden partial
// folder when that holds nothing.
func visibleEntries(dir string) []string {
	var out []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() == savedir.PartialDir {
			if left, _ := savedir.ListPartials(dir); len(left) == 0 {
				continue
			}
		}
		out = append(out, e.Name())
	}
	return out
}
