package discovery

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// A goodbye multicast by anyone but the device itself changes nothing.
func TestTableGoodbyeFromAnotherAddressIgnored(t *testing.T) {
	h := newHarness(t)
	h.observe(obsFor("Sari-PC", idA, "h.local.", "10.0.0.2"))
	h.take()
	bye := obsFor("Sari-PC", idA, "h.local.")
	bye.goodbye, bye.src = true, netip.MustParseAddr("10.0.0.66")
	h.observe(bye)
	h.advance(3 * time.Second)
	if evs := h.take(); len(evs) != 0 || len(h.tbl.snapshot()) != 1 {
		t.Fatalf("spoofed goodbye: events %v, peers %v", evs, h.tbl.snapshot())
	}
	bye.src = netip.MustParseAddr("10.0.0.2") // the real one
	h.observe(bye)
	h.advance(3 * time.Second)
	if k := kinds(h.take()); len(k) != 1 || k[0] != PeerLost {
		t.Fatalf("real goodbye: %v", k)
	}
}

// One address can fill only maxPeersPerAddr entries, all addresses
// together maxPeers; a flood of made-up instance names keeps at most
// maxAsked follow-up queries in memory.
func TestTableBounded(t *testing.T) {
	h := newHarness(t)
	spoofer := netip.MustParseAddr("10.0.0.66")
	for i := range 100 {
		o := obsFor(fmt.Sprintf("Fake %d", i), fmt.Sprintf("%064x", i+1), fmt.Sprintf("f%d.local.", i), "10.0.0.66")
		o.src = spoofer
		h.observe(o)
	}
	if n := len(h.tbl.peers); n != maxPeersPerAddr {
		t.Fatalf("one address made %d entries, want %d", n, maxPeersPerAddr)
	}
	for i := range 4 * maxPeers {
		a := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		o := obsFor(fmt.Sprintf("Many %d", i), fmt.Sprintf("%064x", 1000+i), fmt.Sprintf("m%d.local.", i), a.String())
		h.observe(o)
	}
	if n := len(h.tbl.peers); n != maxPeers {
		t.Fatalf("%d entries, want the bound %d", n, maxPeers)
	}
	for i := range 4 * maxAsked {
		h.tbl.observe(h.now, observation{instance: fmt.Sprintf("nameless %d", i), src: spoofer})
	}
	if n := len(h.tbl.asked); n > maxAsked {
		t.Fatalf("%d follow-up queries remembered, bound %d", n, maxAsked)
	}
}

// Probes go only to addresses on our own subnets: an announcement can't
// point our TCP connections at another network.
func TestTableProbesStayOnLink(t *testing.T) {
	h := newHarness(t)
	h.tbl.local = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")}
	var probed []netip.AddrPort
	h.alive = func(_ time.Time, a netip.AddrPort) bool { probed = append(probed, a); return true }
	h.observe(obsFor("Sari-PC", idA, "h.local.", "10.0.0.2", "203.0.113.7", "192.168.9.9"))
	h.observe(obsFor("Elsewhere", idB, "e.local.", "198.51.100.1"))
	for _, a := range probed {
		if a.Addr() != netip.MustParseAddr("10.0.0.2") {
			t.Fatalf("probed %v, off our subnet", a)
		}
	}
	if len(probed) == 0 {
		t.Fatal("the on-link address was never probed")
	}
	for _, p := range h.tbl.snapshot() {
		if p.ID == idB && p.Reachable {
			t.Fatalf("a device only reachable off-link is listed reachable: %+v", p)
		}
	}
}
