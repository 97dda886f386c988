package discovery

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"net/netip"

	"github.com/lempar/lempar/internal/netns"
)

// These tests run real mDNS on loopback inside a private network namespace
// (see TestMain); they skip where no namespace can be made.

func TestMDNSSeeEachOther(t *testing.T) {
	netns.RequireLoopback(t)
	a := startNode(t, "Alpha", nil)
	b := startNode(t, "Budi's PC", nil)
	evA, dA := a.waitFor(t, 2*time.Second, "A sees B", is(PeerSeen, b.self.ID))
	evB, dB := b.waitFor(t, 2*time.Second, "B sees A", is(PeerSeen, a.self.ID))
	t.Logf("start → seen: %v, %v", dA, dB)
	p := evA.Peer
	if p.Name != "Budi's PC" || p.OS != runtime.GOOS || p.Proto != "1" || p.Source != SourceMDNS || !p.Reachable {
		t.Fatalf("A's view of B: %+v", p)
	}
	if !slices.Contains(p.Addrs, loopbackAddr(b.self.Port)) || p.Addr() != loopbackAddr(b.self.Port) {
		t.Fatalf("B's addresses %v, want 127.0.0.1:%d first (it answered the probe)", p.Addrs, b.self.Port)
	}
	if evB.Peer.Name != "Alpha" {
		t.Fatalf("B's view of A: %+v", evB.Peer)
	}
	for _, q := range a.svc.Peers() {
		if q.ID == a.self.ID {
			t.Fatal("A lists itself")
		}
	}
	if got, err := a.svc.Lookup("budi's pc"); err != nil || got.ID != b.self.ID {
		t.Fatalf("Lookup = %v, %v", got, err)
	}
}

func TestMDNSGoodbye(t *testing.T) {
	netns.RequireLoopback(t)
	a := startNode(t, "Watcher", nil)
	b := startNode(t, "Leaver", nil)
	a.waitFor(t, 2*time.Second, "A sees B", is(PeerSeen, b.self.ID))
	b.stop()
	_, d := a.waitFor(t, 2*time.Second, "B gone after its goodbye", is(PeerLost, b.self.ID))
	t.Logf("stop → lost: %v", d)
}

func TestMDNSCrashLostByProbe(t *testing.T) {
	netns.RequireLoopback(t)
	a := startNode(t, "Watcher", nil)
	h := startHelper(t, "Crasher")
	a.waitFor(t, 2*time.Second, "A sees the helper", is(PeerSeen, h.self.ID))
	if err := h.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, d := a.waitFor(t, 15*time.Second, "crashed helper lost", is(PeerLost, h.self.ID))
	t.Logf("SIGKILL → lost: %v", d)
}

func TestMDNSHelperSIGTERM(t *testing.T) {
	netns.RequireLoopback(t)
	a := startNode(t, "Watcher", nil)
	h := startHelper(t, "Terminated")
	a.waitFor(t, 2*time.Second, "A sees the helper", is(PeerSeen, h.self.ID))
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_, d := a.waitFor(t, 2*time.Second, "terminated helper lost", is(PeerLost, h.self.ID))
	t.Logf("SIGTERM → lost: %v", d)
}

func TestMDNSRename(t *testing.T) {
	netns.RequireLoopback(t)
	a := startNode(t, "Watcher", nil)
	b := startNode(t, "Before", nil)
	a.waitFor(t, 2*time.Second, "A sees B", is(PeerSeen, b.self.ID))
	b.svc.SetName("After")
	ev, d := a.waitFor(t, 2*time.Second, "rename seen", func(e Event) bool {
		if e.Peer.ID == b.self.ID && e.Kind == PeerLost {
			t.Fatalf("rename made the peer vanish")
		}
		return e.Kind == PeerUpdated && e.Peer.ID == b.self.ID && e.Peer.Name == "After"
	})
	t.Logf("rename → updated: %v", d)
	a.expectNone(t, 2*time.Second, "after rename", func(e Event) bool { return e.Peer.ID == b.self.ID && e.Kind == PeerLost })
	if ps := a.svc.Peers(); !slices.ContainsFunc(ps, func(p Peer) bool { return p.ID == b.self.ID && p.Name == "After" }) {
		t.Fatalf("peers = %+v", ps)
	}
	_ = ev
}

func TestMDNSHidden(t *testing.T) {
	netns.RequireLoopback(t)
	a := startNode(t, "Watcher", nil)
	c := startNode(t, "Shy", func(c *Config) { c.Visibility = Visibility{Mode: Hidden} })
	// Browsing goes on while hidden.
	c.waitFor(t, 2*time.Second, "hidden C still sees A", is(PeerSeen, a.self.ID))
	a.expectNone(t, 3*time.Second, "hidden C", func(e Event) bool { return e.Peer.ID == c.self.ID })
	c.svc.SetVisibility(Visibility{})
	a.waitFor(t, 2*time.Second, "C visible", is(PeerSeen, c.self.ID))
	c.svc.SetVisibility(Visibility{Mode: Hidden})
	_, d := a.waitFor(t, 2*time.Second, "C hidden again", is(PeerLost, c.self.ID))
	t.Logf("hide → lost: %v", d)
	// Visible for a while, then hidden by itself.
	c.svc.SetVisibility(VisibleFor(time.Now(), 1500*time.Millisecond))
	a.waitFor(t, 2*time.Second, "C visible for a while", is(PeerSeen, c.self.ID))
	a.waitFor(t, 4*time.Second, "C hidden when the time is up", is(PeerLost, c.self.ID))
	if v := c.svc.Visibility(); v.Mode != Hidden {
		t.Fatalf("visibility after expiry = %v", v)
	}
}

func TestMDNSNameClash(t *testing.T) {
	netns.RequireLoopback(t)
	a := startNode(t, "Watcher", nil)
	b1 := startNode(t, "Budi", nil)
	b2 := startNode(t, "Budi", nil)
	seen := map[string]bool{}
	a.waitFor(t, 2*time.Second, "both Budis", func(e Event) bool {
		if e.Kind == PeerSeen && (e.Peer.ID == b1.self.ID || e.Peer.ID == b2.self.ID) {
			seen[e.Peer.ID] = true
		}
		return len(seen) == 2
	})
	lo, hi := b1, b2
	if hi.self.ID < lo.self.ID {
		lo, hi = hi, lo
	}
	deadline := time.Now().Add(3 * time.Second)
	for hi.svc.Instance() == "Budi" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond) // polling a state with a deadline
	}
	if lo.svc.Instance() != "Budi" || hi.svc.Instance() != "Budi ("+shortID(hi.self.ID)+")" {
		t.Fatalf("instances %q (smaller ID) and %q", lo.svc.Instance(), hi.svc.Instance())
	}
	a.expectNone(t, time.Second, "clash", func(e Event) bool { return e.Kind == PeerLost })
	n := 0
	for _, p := range a.svc.Peers() {
		if p.Name == "Budi" {
			n++
		}
	}
	_, err := a.svc.Lookup("Budi")
	if n != 2 || !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("%d peers named Budi, lookup: %v", n, err)
	}
}

func TestAddByAddress(t *testing.T) {
	netns.RequireLoopback(t)
	// D is hidden: only its address gets it into A's table.
	d := startNode(t, "Behind-a-wall", func(c *Config) { c.Visibility = Visibility{Mode: Hidden} })
	identify := func(ctx context.Context, hostport string) (Peer, error) {
		if hostport != loopbackAddr(d.self.Port).String() {
			return Peer{}, errors.New("connection refused")
		}
		return Peer{ID: d.self.ID, Name: d.self.Name, OS: "windows", Proto: "1"}, nil
	}
	a := startNode(t, "Watcher", func(c *Config) { c.Identify = identify; c.DefaultPort = d.self.Port })
	p, err := a.svc.AddByAddress(context.Background(), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != d.self.ID || p.Source != SourceManual || p.OS != "windows" || p.Addr() != loopbackAddr(d.self.Port) {
		t.Fatalf("added %+v", p)
	}
	a.waitFor(t, time.Second, "manual peer event", is(PeerSeen, d.self.ID))
	if _, err := a.svc.AddByAddress(context.Background(), "127.0.0.1:1"); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("nobody there: %v", err)
	}
	if _, err := a.svc.AddByAddress(context.Background(), "no such:host:x"); !errors.Is(err, ErrBadAddress) {
		t.Fatalf("bad address: %v", err)
	}
	// Its engine stops: the manual entry goes too.
	d.stop()
	a.waitFor(t, 15*time.Second, "manual peer lost", is(PeerLost, d.self.ID))
}

func TestKnownPeerTriedAtLastAddress(t *testing.T) {
	netns.RequireLoopback(t)
	d := startNode(t, "Yesterday", func(c *Config) { c.Visibility = Visibility{Mode: Hidden} })
	identify := func(ctx context.Context, hostport string) (Peer, error) {
		if hostport == loopbackAddr(d.self.Port).String() {
			return Peer{ID: d.self.ID, Name: "Yesterday", Proto: "1"}, nil
		}
		return Peer{}, errors.New("refused")
	}
	known := Peer{ID: d.self.ID, Name: "Yesterday", Addrs: []netip.AddrPort{loopbackAddr(1), loopbackAddr(d.self.Port)}}
	a := startNode(t, "Watcher", func(c *Config) { c.Identify = identify; c.Known = []Peer{known} })
	ev, _ := a.waitFor(t, 2*time.Second, "known peer", is(PeerSeen, d.self.ID))
	if ev.Peer.Source != SourceKnown || !strings.HasPrefix(ev.Peer.Addr().String(), "127.0.0.1:") {
		t.Fatalf("known peer: %+v", ev.Peer)
	}
}
