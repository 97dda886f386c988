package discovery

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func testID(c byte) string { return strings.Repeat(string(c), idLen) }

var (
	selfID = testID('0')
	idA    = testID('a')
	idB    = testID('b')
)

func obsFor(instance, id, host string, addrs ...string) observation {
	o := observation{instance: instance, hasSRV: true, host: host, port: 7313}
	if id != "" {
		o.hasTXT, o.txt = true, txtInfo{id: id, os: "linux", proto: "1"}
	}
	for _, a := range addrs {
		o.addrs = append(o.addrs, timedAddr{netip.MustParseAddr(a), minAddrTTL})
	}
	// Sent by the device itself: from its first address, or (for records
	// without addresses, like most goodbyes here) from 10.0.0.2, where the
	// tests put idA.
	o.src = netip.MustParseAddr("10.0.0.2")
	if len(o.addrs) > 0 {
		o.src = o.addrs[0].addr
	}
	return o
}

// tickEvery is the step of tests that tick the table by hand.
const tickEvery = 250 * time.Millisecond

// harness drives a table the way Service does: observations, a tick only
// when a deadline falls due (deadline.go: the earliest nextDue returned, or
// noteDue collected since), and probes answered by alive(now, addr). So
// every timing test here also checks that the table names its deadlines.
type harness struct {
	t     *testing.T
	tbl   *table
	now   time.Time
	wake  time.Time // the loop's next wake, as Serve keeps it
	ticks int
	alive func(now time.Time, a netip.AddrPort) bool
	evs   []Event
	qs    []action
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, tbl: newTable(selfID), now: t0, alive: func(time.Time, netip.AddrPort) bool { return true }}
}

// settle performs the actions the table asked for (probes answer at once)
// until it asks for nothing more, and moves the wake earlier when a change
// set an earlier deadline (Service.apply's poke).
func (h *harness) settle() {
	defer func() {
		if soon := h.tbl.takeSoon(); !soon.IsZero() && (h.wake.IsZero() || soon.Before(h.wake)) {
			h.wake = soon
		}
	}()
	for range 10 {
		acts := h.tbl.takeActions()
		h.evs = append(h.evs, h.tbl.takeEvents()...)
		if len(acts) == 0 {
			return
		}
		for _, a := range acts {
			switch a.kind {
			case actQuery:
				h.qs = append(h.qs, a)
			case actProbe:
				var best netip.AddrPort
				for _, ad := range a.addrs {
					if h.alive(h.now, ad) {
						best = ad
						break
					}
				}
				h.tbl.probeDone(h.now, a.id, a.gen, best, best.IsValid())
			}
		}
	}
	h.t.Fatal("table keeps asking for work")
}

func (h *harness) observe(o observation) {
	h.tbl.observe(h.now, o)
	h.settle()
}

// advance moves time forward by d, ticking at each deadline on the way, as
// the Serve loop sleeps from one to the next.
func (h *harness) advance(d time.Duration) {
	end := h.now.Add(d)
	for !h.wake.IsZero() && !h.wake.After(end) {
		if h.ticks++; h.ticks > 100000 {
			h.t.Fatal("the table keeps naming deadlines it doesn't act on")
		}
		h.now = maxTime(h.now, h.wake)
		h.tbl.tick(h.now)
		h.settle()
		due := h.tbl.nextDue()
		if !due.IsZero() && !due.After(h.now) {
			due = h.now.Add(staleRetry)
		}
		h.wake = earliest(h.now, due)
	}
	h.now = end
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (h *harness) take() []Event {
	ev := h.evs
	h.evs = nil
	return ev
}

func kinds(evs []Event) []EventKind {
	var k []EventKind
	for _, e := range evs {
		k = append(k, e.Kind)
	}
	return k
}

func TestTableSeenAfterFirstProbe(t *testing.T) {
	h := newHarness(t)
	h.observe(obsFor("Sari-PC", idA, "lempar-aaaaaaaaaaaa.local.", "192.168.1.12", "fd00::12"))
	evs := h.take()
	if !slices.Equal(kinds(evs), []EventKind{PeerSeen}) {
		t.Fatalf("events = %v, want one PeerSeen", evs)
	}
	p := evs[0].Peer
	want := []netip.AddrPort{netip.MustParseAddrPort("192.168.1.12:7313"), netip.MustParseAddrPort("[fd00::12]:7313")}
	if p.ID != idA || p.Name != "Sari-PC" || p.OS != "linux" || p.Proto != "1" || !p.Reachable || p.Source != SourceMDNS || !slices.Equal(p.Addrs, want) {
		t.Fatalf("peer = %+v", p)
	}
	// The same packet again (another answer to someone's query) changes nothing.
	h.observe(obsFor("Sari-PC", idA, "lempar-aaaaaaaaaaaa.local.", "192.168.1.12", "fd00::12"))
	if evs := h.take(); len(evs) != 0 {
		t.Fatalf("repeat gave %v", evs)
	}
}

func TestTableIgnoresOwnAnnouncement(t *testing.T) {
	h := newHarness(t)
	h.observe(obsFor("Me", selfID, "lempar-000000000000.local.", "192.168.1.2"))
	// Our own SRV without TXT must not trigger a follow-up query either.
	o := obsFor("Me", "", "lempar-000000000000.local.", "192.168.1.2")
	h.observe(o)
	if len(h.tbl.snapshot()) != 0 || len(h.take()) != 0 || len(h.qs) != 0 {
		t.Fatalf("own announcement leaked: peers %v queries %v", h.tbl.snapshot(), h.qs)
	}
}

func TestTableGoodbyeWithin2s(t *testing.T) {
	h := newHarness(t)
	h.observe(obsFor("Sari-PC", idA, "h.local.", "10.0.0.2"))
	h.take()
	bye := obsFor("Sari-PC", idA, "h.local.")
	bye.goodbye = true
	h.observe(bye)
	start := h.now
	for h.now.Sub(start) < 3*time.Second {
		h.advance(tickEvery)
		if evs := h.take(); len(evs) > 0 {
			if !slices.Equal(kinds(evs), []EventKind{PeerLost}) || evs[0].Peer.ID != idA {
				t.Fatalf("events = %v", evs)
			}
			if d := h.now.Sub(start); d > 2*time.Second {
				t.Fatalf("lost after %v, want ≤ 2s", d)
			}
			if len(h.tbl.snapshot()) != 0 {
				t.Fatal("peer still listed")
			}
			return
		}
	}
	t.Fatal("goodbye never removed the peer")
}

func TestTableRenameKeepsID(t *testing.T) {
	h := newHarness(t)
	h.observe(obsFor("Old", idA, "h.local.", "10.0.0.2"))
	h.take()
	// The new name is announced first, then the old one says goodbye.
	h.observe(obsFor("New", idA, "h.local.", "10.0.0.2"))
	bye := obsFor("Old", idA, "h.local.")
	bye.goodbye = true
	h.observe(bye)
	h.advance(3 * time.Second)
	evs := h.take()
	if len(evs) == 0 || evs[0].Kind != PeerUpdated || evs[0].Peer.Name != "New" || evs[0].Peer.ID != idA {
		t.Fatalf("events = %v, want PeerUpdated to New", evs)
	}
	for _, e := range evs {
		if e.Kind == PeerLost {
			t.Fatalf("rename lost the peer: %v", evs)
		}
	}
	if ps := h.tbl.snapshot(); len(ps) != 1 || ps[0].Name != "New" {
		t.Fatalf("peers = %v", ps)
	}
	// The other order: goodbye first, new name within the grace period.
	h.observe(func() observation { o := obsFor("New", idA, "h.local."); o.goodbye = true; return o }())
	h.advance(tickEvery)
	h.observe(obsFor("Newer", idA, "h.local.", "10.0.0.2"))
	h.advance(3 * time.Second)
	if k := kinds(h.take()); !slices.Equal(k, []EventKind{PeerUpdated}) {
		t.Fatalf("goodbye-then-rename events = %v, want one update", k)
	}
}

func TestTableMergesAddressesFromSeparatePackets(t *testing.T) {
	h := newHarness(t)
	// zeroconf delivers what one packet had: here only IPv6.
	h.observe(obsFor("Sari-PC", idA, "h.local.", "fd00::12"))
	h.take()
	// A later packet (the answer to our follow-up query) brings IPv4.
	h.tbl.hostAddrs(h.now, "h.local.", []timedAddr{{netip.MustParseAddr("192.168.1.12"), minAddrTTL}})
	h.settle()
	evs := h.take()
	if len(evs) != 1 || evs[0].Kind != PeerUpdated {
		t.Fatalf("events = %v", evs)
	}
	got := evs[0].Peer.Addrs
	if len(got) != 2 || !slices.Contains(got, netip.MustParseAddrPort("192.168.1.12:7313")) || !slices.Contains(got, netip.MustParseAddrPort("[fd00::12]:7313")) {
		t.Fatalf("addrs = %v", got)
	}
	if got[0] != netip.MustParseAddrPort("[fd00::12]:7313") {
		t.Fatalf("the address that answered the probe should come first: %v", got)
	}
}

func TestTableSharedHostNameNotMixed(t *testing.T) {
	h := newHarness(t)
	h.observe(obsFor("A", idA, "debian.local.", "10.0.0.2"))
	h.observe(obsFor("B", idB, "debian.local.", "10.0.0.3"))
	h.take()
	h.tbl.hostAddrs(h.now, "debian.local.", []timedAddr{{netip.MustParseAddr("10.0.0.9"), minAddrTTL}})
	h.settle()
	for _, p := range h.tbl.snapshot() {
		if len(p.Addrs) != 1 {
			t.Fatalf("%s got addresses of a shared host name: %v", p.Name, p.Addrs)
		}
	}
}

func TestTableDuplicateNamesAreTwoPeers(t *testing.T) {
	h := newHarness(t)
	h.observe(obsFor("Budi", idA, "lempar-aaaaaaaaaaaa.local.", "10.0.0.2"))
	h.observe(obsFor("Budi (bbbbbbbb)", idB, "lempar-bbbbbbbbbbbb.local.", "10.0.0.3"))
	ps := h.tbl.snapshot()
	if len(ps) != 2 || ps[0].Name != "Budi" || ps[1].Name != "Budi" {
		t.Fatalf("peers = %+v", ps)
	}
	if _, err := lookup(ps, "budi"); err == nil || !strings.Contains(err.Error(), "bbbbbbbb") {
		t.Fatalf("lookup of a shared name: %v", err)
	}
	if p, err := lookup(ps, idB[:MinIDPrefix]); err != nil || p.ID != idB {
		t.Fatalf("lookup by ID prefix = %v, %v", p, err)
	}
}

func TestTableSilentPeerLostWithin15s(t *testing.T) {
	for _, crashAfter := range []time.Duration{0, 1 * time.Second, 3900 * time.Millisecond, 7 * time.Second, 30 * time.Second, 41 * time.Second} {
		h := newHarness(t)
		var crash time.Time
		h.alive = func(now time.Time, _ netip.AddrPort) bool { return crash.IsZero() || now.Before(crash) }
		h.observe(obsFor("Sari-PC", idA, "h.local.", "10.0.0.2"))
		h.take()
		h.advance(crashAfter)
		crash = h.now
		for h.now.Sub(crash) < 20*time.Second && len(h.tbl.snapshot()) > 0 {
			h.advance(tickEvery)
		}
		lost := h.now.Sub(crash)
		if len(h.tbl.snapshot()) != 0 || lost > 15*time.Second {
			t.Fatalf("crash at +%v: still listed %v after", crashAfter, lost)
		}
		if k := kinds(h.take()); !slices.Equal(k, []EventKind{PeerLost}) {
			t.Fatalf("crash at +%v: events %v", crashAfter, k)
		}
		if len(h.qs) == 0 || h.qs[0].instance != "Sari-PC" {
			t.Fatalf("silent peer was not re-queried before removal: %v", h.qs)
		}
	}
}

func TestTableAliveButUnreachable(t *testing.T) {
	h := newHarness(t)
	h.alive = func(time.Time, netip.AddrPort) bool { return false }
	o := obsFor("Printer-ish", idA, "h.local.", "10.0.0.7")
	h.observe(o)
	evs := h.take()
	if len(evs) != 1 || evs[0].Kind != PeerSeen || evs[0].Peer.Reachable {
		t.Fatalf("record without engine: %v", evs)
	}
	// Its records keep answering our queries, so it stays, checked ever more
	// rarely.
	queriesAt := []time.Time{}
	for range 240 {
		h.advance(tickEvery)
		if n := len(h.qs); n > 0 {
			queriesAt = append(queriesAt, h.now)
			h.qs = nil
			h.observe(o)
		}
	}
	if len(h.tbl.snapshot()) != 1 {
		t.Fatal("an answering record was dropped")
	}
	if len(queriesAt) < 2 || queriesAt[len(queriesAt)-1].Sub(queriesAt[len(queriesAt)-2]) <= queriesAt[1].Sub(queriesAt[0]) {
		t.Fatalf("re-queries did not back off: %v", queriesAt)
	}
	for _, e := range h.take() {
		if e.Kind == PeerLost || e.Peer.Reachable {
			t.Fatalf("unexpected %v", e)
		}
	}
}

func TestTableFollowUpWhenIncomplete(t *testing.T) {
	h := newHarness(t)
	// SRV without TXT, instance never seen: ask for its TXT.
	h.observe(obsFor("Mystery", "", "m.local.", "10.0.0.4"))
	if len(h.qs) != 1 || !h.qs[0].wantTXT || h.qs[0].instance != "Mystery" {
		t.Fatalf("queries = %+v", h.qs)
	}
	// A burst of the same incomplete packet asks once.
	h.observe(obsFor("Mystery", "", "m.local.", "10.0.0.4"))
	if len(h.qs) != 1 {
		t.Fatalf("burst asked %d times", len(h.qs))
	}
	// Announced without any address: ask the host's addresses, stay unlisted.
	h.qs = nil
	h.observe(obsFor("NoAddr", idB, "n.local."))
	if len(h.qs) != 1 || h.qs[0].host != "n.local." || len(h.tbl.snapshot()) != 0 {
		t.Fatalf("queries %+v peers %v", h.qs, h.tbl.snapshot())
	}
	h.tbl.hostAddrs(h.now, "n.local.", []timedAddr{{netip.MustParseAddr("10.0.0.5"), minAddrTTL}})
	h.settle()
	if evs := h.take(); len(evs) != 1 || evs[0].Kind != PeerSeen {
		t.Fatalf("after addresses arrived: %v", evs)
	}
	// One that never gets an address is forgotten without events.
	h.observe(obsFor("Ghost", testID('c'), "g.local."))
	h.advance(pendingLimit + time.Second)
	if _, ok := h.tbl.peers[testID('c')]; ok || len(h.take()) != 0 {
		t.Fatal("address-less instance lingered or was announced")
	}
}

func TestTableInvalidIDIgnored(t *testing.T) {
	h := newHarness(t)
	h.observe(obsFor("Fake", "not-an-id", "f.local.", "10.0.0.8"))
	if len(h.tbl.snapshot()) != 0 || len(h.tbl.peers) != 0 {
		t.Fatal("record with a bad ID entered the table")
	}
}

func TestTableManualPeer(t *testing.T) {
	h := newHarness(t)
	addr := netip.MustParseAddrPort("10.0.0.2:7313")
	h.tbl.addDirect(h.now, Peer{ID: idA, Name: "Sari-PC", OS: "windows", Proto: "1"}, SourceManual, addr)
	h.settle()
	evs := h.take()
	if len(evs) != 1 || evs[0].Kind != PeerSeen || evs[0].Peer.Source != SourceManual || evs[0].Peer.Addr() != addr {
		t.Fatalf("events = %v", evs)
	}
	// It shows up over mDNS too, then says goodbye (went hidden): it stays,
	// back to manual, because its engine still answers.
	h.observe(obsFor("Sari-PC", idA, "h.local.", "10.0.0.2"))
	if evs := h.take(); len(evs) != 1 || evs[0].Peer.Source != SourceMDNS {
		t.Fatalf("merge events = %v", evs)
	}
	bye := obsFor("Sari-PC", idA, "h.local.")
	bye.goodbye = true
	h.observe(bye)
	h.advance(2 * time.Second)
	ps := h.tbl.snapshot()
	if len(ps) != 1 || ps[0].Source != SourceManual || !slices.Equal(ps[0].Addrs, []netip.AddrPort{addr}) {
		t.Fatalf("after goodbye: %+v", ps)
	}
	// Back on mDNS, then it quits: goodbye and engine gone together. Being
	// known by address must not keep it around longer than anyone else.
	h.observe(obsFor("Sari-PC", idA, "h.local.", "10.0.0.2"))
	h.take()
	h.alive = func(time.Time, netip.AddrPort) bool { return false }
	h.observe(bye)
	quit := h.now
	for h.now.Sub(quit) < 3*time.Second && len(h.tbl.snapshot()) > 0 {
		h.advance(tickEvery)
	}
	if len(h.tbl.snapshot()) != 0 || h.now.Sub(quit) > 2*time.Second {
		t.Fatalf("known peer that quit still listed after %v", h.now.Sub(quit))
	}
	if k := kinds(h.take()); !slices.Equal(k, []EventKind{PeerLost}) {
		t.Fatalf("quit events = %v", k)
	}
	h.alive = func(time.Time, netip.AddrPort) bool { return true }
	h.tbl.addDirect(h.now, Peer{ID: idA, Name: "Sari-PC"}, SourceManual, addr)
	h.settle()
	h.take()
	// Its engine stops answering: lost within 15 s.
	down := h.now
	h.alive = func(time.Time, netip.AddrPort) bool { return false }
	for h.now.Sub(down) < 20*time.Second && len(h.tbl.snapshot()) > 0 {
		h.advance(tickEvery)
	}
	if len(h.tbl.snapshot()) != 0 || h.now.Sub(down) > 15*time.Second {
		t.Fatalf("manual peer not lost in time (%v)", h.now.Sub(down))
	}
}

func TestTableStaleProbeIgnored(t *testing.T) {
	tbl := newTable(selfID)
	tbl.observe(t0, obsFor("A", idA, "h.local.", "10.0.0.2"))
	acts := tbl.takeActions()
	if len(acts) != 1 || acts[0].kind != actProbe {
		t.Fatalf("actions = %+v", acts)
	}
	tbl.probeDone(t0, idA, acts[0].gen+1, netip.AddrPort{}, false) // someone else's probe
	if len(tbl.takeEvents()) != 0 {
		t.Fatal("a stale probe result changed the table")
	}
	tbl.probeDone(t0, idA, acts[0].gen, acts[0].addrs[0], true)
	if evs := tbl.takeEvents(); len(evs) != 1 || evs[0].Kind != PeerSeen {
		t.Fatalf("events = %v", evs)
	}
}

func TestTableAddressExpiry(t *testing.T) {
	h := newHarness(t)
	h.observe(obsFor("A", idA, "h.local.", "10.0.0.2"))
	h.take()
	// A second address shows up once and is never confirmed again.
	h.tbl.hostAddrs(h.now, "h.local.", []timedAddr{{netip.MustParseAddr("10.9.9.9"), minAddrTTL}})
	h.settle()
	h.take()
	h.advance(minAddrTTL + 2*time.Second)
	ps := h.tbl.snapshot()
	if len(ps) != 1 || !slices.Equal(ps[0].Addrs, []netip.AddrPort{netip.MustParseAddrPort("10.0.0.2:7313")}) {
		t.Fatalf("after expiry: %+v", ps)
	}
}
