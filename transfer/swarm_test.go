package transfer

import (
	"bytes"
	"context"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lempar/lempar/savedir"
)

// swarmNode is a receiver that can be stopped and started again with the
// same identity, folder and port (a member that leaves and returns).
type swarmNode struct {
	t     *testing.T
	id    *Identity
	dir   string
	addr  string
	opts  []func(*Server)
	final chan Event
	on    atomic.Pointer[func(Event)]
	srv   atomic.Pointer[Server]
	stop  func()
}

func newSwarmNode(t *testing.T, opts ...func(*Server)) *swarmNode {
	t.Helper()
	id, err := NewEphemeralIdentity()
	if err != nil {
		t.Fatal(err)
	}
	n := &swarmNode{t: t, id: id, dir: filepath.Join(t.TempDir(), "Downloads"), addr: "127.0.0.1:0", opts: opts, final: make(chan Event, 16)}
	n.start()
	t.Cleanup(func() { n.stop() })
	return n
}

func (n *swarmNode) start() {
	n.t.Helper()
	srv := &Server{
		Identity: n.id, Acceptor: acceptAll,
		Hello: func() Hello { return Hello{Name: "Murid", App: "test"} },
		Dir:   func() string { return n.dir },
		OnEvent: func(e Event) {
			if f := n.on.Load(); f != nil {
				(*f)(e)
			}
			if e.State.Final() {
				n.final <- e
			}
		},
	}
	for _, o := range n.opts {
		o(srv)
	}
	n.srv.Store(srv)
	ln, err := net.Listen("tcp", n.addr) // the same port again after a restart
	if err != nil {
		n.t.Fatal(err)
	}
	n.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	n.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				n.t.Errorf("Serve: %v", err)
			}
		})
	}
}

// ringIndex is n's place in the ring of swarm id (its manifest's You), or
// -1 while it has no member there.
func (n *swarmNode) ringIndex(id string) int {
	h := &n.srv.Load().swarms
	h.mu.Lock()
	defer h.mu.Unlock()
	if mb := h.members[id]; mb != nil {
		return mb.m.You
	}
	return -1
}

func (n *swarmNode) waitFinal(t *testing.T) Event {
	t.Helper()
	select {
	case e := <-n.final:
		return e
	case <-time.After(60 * time.Second):
		t.Fatal("receiver never sent a final event")
	}
	return Event{}
}

// swarmCase is one sender and n real receivers on loopback, one send.
type swarmCase struct {
	rxs  []*swarmNode
	id   *Identity
	srcs []Source
	data map[string][]byte // relative path → content
	// via, when set, is where the sender dials receiver i (a relay);
	// members still reach each other directly.
	via func(i int) string
	// tune, when set, adjusts the swarm before any target starts.
	tune func(*Swarm)
	sw   atomic.Pointer[Swarm] // set by sendAll
}

func newSwarmCase(t *testing.T, n int, size int, opts ...func(*Server)) *swarmCase {
	t.Helper()
	c := &swarmCase{data: map[string][]byte{}}
	for range n {
		c.rxs = append(c.rxs, newSwarmNode(t, opts...))
	}
	id, err := NewEphemeralIdentity()
	if err != nil {
		t.Fatal(err)
	}
	c.id = id
	src := filepath.Join(t.TempDir(), "Kelas")
	// Pieces of several files, a short last piece and an empty file.
	for name, size := range map[string]int{"video.mp4": size, "notes.txt": 70 << 10, "empty.txt": 0} {
		b := randBytes(size)
		writeFile(t, filepath.Join(src, name), b)
		c.data["Kelas/"+name] = b
	}
	if c.srcs, err = CollectSources([]string{src}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *swarmCase) total() int64 {
	var n int64
	for _, b := range c.data {
		n += int64(len(b))
	}
	return n
}

// sendAll sends to every receiver as one swarm and returns each target's
// final event; onEvent hears every event (target index).
func (c *swarmCase) sendAll(ctx context.Context, t *testing.T, opt SendOptions, onEvent func(int, Event)) ([]Event, []error) {
	t.Helper()
	sw := NewSwarm(c.srcs, len(c.rxs))
	c.sw.Store(sw)
	if sw == nil {
		t.Fatal("no swarm for this send")
	}
	if c.tune != nil {
		c.tune(sw)
	}
	if c.via != nil {
		real := map[string]string{}
		for _, rx := range c.rxs {
			real[rx.id.ID] = rx.addr
		}
		sw.memberAddr = func(m SwarmMember) string { return real[m.ID] }
	}
	evs, errs := make([]Event, len(c.rxs)), make([]error, len(c.rxs))
	var wg sync.WaitGroup
	for i, rx := range c.rxs {
		o := opt
		o.Addr, o.PeerID, o.Hello, o.Swarm = rx.addr, rx.id.ID, Hello{Name: "Guru"}, sw.Target()
		if c.via != nil {
			o.Addr = c.via(i)
		}
		if onEvent != nil {
			o.OnEvent = func(e Event) { onEvent(i, e) }
		}
		wg.Go(func() { evs[i], errs[i] = Send(ctx, c.id, o, c.srcs) })
	}
	wg.Wait()
	return evs, errs
}

// checkFiles fails unless receiver rx holds every file byte for byte, and
// nothing else (a second copy such as "video (1).mp4" would mean a file
// was fetched and placed twice).
func (c *swarmCase) checkFiles(t *testing.T, rx *swarmNode) {
	t.Helper()
	for rel, want := range c.data {
		got, err := os.ReadFile(filepath.Join(rx.dir, filepath.FromSlash(rel)))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s at %s: differs (err %v, %d of %d bytes)", rel, rx.dir, err, len(got), len(want))
		}
	}
	err := filepath.WalkDir(rx.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if d != nil && d.Name() == savedir.PartialDir {
				return filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(rx.dir, p)
		if _, ok := c.data[filepath.ToSlash(rel)]; !ok {
			t.Errorf("%s holds %s, which was not sent", rx.dir, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSwarmReceiversShare(t *testing.T) {
	for _, n := range []int{2, 8} {
		t.Run(string(rune('0'+n)), func(t *testing.T) {
			c := newSwarmCase(t, n, 6<<20+12345)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			evs, errs := c.sendAll(ctx, t, SendOptions{}, nil)
			var uplink int64
			for i := range c.rxs {
				if errs[i] != nil || evs[i].State != StateDone || evs[i].FilesDone != 3 {
					t.Fatalf("target %d: %v %+v", i, errs[i], evs[i])
				}
				uplink += evs[i].Sent
			}
			var fromPeers int64
			for _, rx := range c.rxs {
				e := rx.waitFinal(t)
				if e.State != StateDone || e.Swarm == nil {
					t.Fatalf("receiver final = %+v", e)
				}
				fromPeers += e.Swarm.FromPeers
				c.checkFiles(t, rx)
			}
			t.Logf("FIGURE swarm of %d: data %d B, sender uplink %d B (%.2fx), members got %d B from each other",
				n, c.total(), uplink, float64(uplink)/float64(c.total()), fromPeers)
			if float64(uplink) > 1.5*float64(c.total()) {
				t.Fatalf("sender uplink %d B for %d B of data: over 1.5x", uplink, c.total())
			}
			if want := int64(n-1) * c.total() / 2; fromPeers < want {
				t.Fatalf("members got only %d B from each other, want ≥ %d", fromPeers, want)
			}
		})
	}
}
