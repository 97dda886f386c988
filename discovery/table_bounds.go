package discovery

import "net/netip"

// What the network may make the table hold, and whom it may make it
// believe: a spoofer can fill only so many entries, say goodbye only for
// itself, and send us probing only onto our own subnets.

// Bounds on what the network can make the table hold. A spoofer on one
// address can fill at most maxPeersPerAddr entries; many spoofers at most
// maxPeers, and devices already in the table stay.
const (
	maxPeers        = 256
	maxPeersPerAddr = 8
	maxAsked        = 512 // follow-up queries remembered (one per instance name)
)

// room reports whether a new mDNS device from src fits the table's bounds.
func (t *table) room(src netip.Addr) bool {
	if len(t.peers) >= maxPeers {
		return false
	}
	if !src.IsValid() {
		return true
	}
	n := 0
	for _, e := range t.peers {
		if e.origin == src {
			n++
		}
	}
	return n < maxPeersPerAddr
}

// sentFrom reports whether src is one of e's own addresses.
func (e *entry) sentFrom(src netip.Addr) bool {
	if !src.IsValid() {
		return false
	}
	src = src.WithZone("")
	for a := range e.addrs {
		// Only this machine can send on loopback, and it may pick either
		// family or loopback address for a multicast it loops back.
		if a.WithZone("") == src || src.IsLoopback() && a.IsLoopback() {
			return true
		}
	}
	if src.IsLoopback() && e.origin.IsLoopback() {
		return true
	}
	return e.directAddr.Addr().WithZone("") == src || e.best.Addr().WithZone("") == src
}

// onLink reports whether a is on one of our subnets.
func (t *table) onLink(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	for _, p := range t.local {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
