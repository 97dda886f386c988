package discovery

import (
	"fmt"
	"net/netip"
	"time"
)

// Source says how a peer came to be in the table. When several apply, the
// most direct evidence wins: an mDNS announcement, then an address typed in
// by the user, then a device remembered from earlier sessions.
type Source uint8

const (
	SourceMDNS Source = iota
	SourceManual
	SourceKnown
	SourceLocalSend // heard from a LocalSend app (see Observe); its ID is "localsend:…"
)

func (s Source) String() string {
	switch s {
	case SourceMDNS:
		return "mdns"
	case SourceManual:
		return "manual"
	case SourceKnown:
		return "known"
	case SourceLocalSend:
		return "localsend"
	}
	return fmt.Sprintf("source(%d)", uint8(s))
}

// MarshalText lets JSON output carry "mdns" rather than a number.
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Peer is one nearby device as the table knows it right now. Values are
// snapshots: the table never changes a Peer it has handed out.
type Peer struct {
	ID    string `json:"id"`    // SHA-256 of the device certificate, 64 lowercase hex digits
	Name  string `json:"name"`  // the name its owner chose
	OS    string `json:"os"`    // GOOS of the peer, as announced
	Proto string `json:"proto"` // protocol version it announced ("1")
	// Addrs are the addresses it can be reached at, the one that answered
	// the last probe first. Link-local IPv6 addresses carry their zone.
	Addrs     []netip.AddrPort `json:"addrs"`
	Source    Source           `json:"source"`
	LastSeen  time.Time        `json:"last_seen"`
	Reachable bool             `json:"reachable"` // the last TCP probe of its engine succeeded
}

// ShortID is the ID prefix shown in lists.
func (p Peer) ShortID() string { return shortID(p.ID) }

// Addr is the best known address, or the zero value.
func (p Peer) Addr() netip.AddrPort {
	if len(p.Addrs) == 0 {
		return netip.AddrPort{}
	}
	return p.Addrs[0]
}

func (p Peer) clone() Peer {
	p.Addrs = append([]netip.AddrPort(nil), p.Addrs...)
	return p
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// EventKind tells a subscriber what happened to a peer.
type EventKind uint8

const (
	PeerSeen    EventKind = iota + 1 // first time in the table (or back after being lost)
	PeerUpdated                      // renamed, new or expired address, reachability or source changed
	PeerLost                         // said goodbye, stopped answering, or its engine went away
)

func (k EventKind) String() string {
	switch k {
	case PeerSeen:
		return "seen"
	case PeerUpdated:
		return "updated"
	case PeerLost:
		return "lost"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// MarshalText lets JSON output carry "seen" rather than a number.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is one change in the peer table. For PeerLost, Peer is the last
// state the table had.
type Event struct {
	Kind EventKind `json:"kind"`
	Peer Peer      `json:"peer"`
}

// Self describes this device, for announcing it.
type Self struct {
	ID    string // 64 hex digits; peers with this ID (our own announcement) are ignored
	Name  string // shown to others; made unique on the network when it clashes
	OS    string // defaults to runtime.GOOS
	Port  int    // TCP port of the transfer engine
	Proto string // protocol version announced in TXT "v"
}
