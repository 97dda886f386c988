package app

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"time"

	"github.com/lempar/lempar/discovery"
	"github.com/lempar/lempar/transfer"
)

// DiscoveryOptions adjust discovery for one run.
type DiscoveryOptions struct {
	IncludeLoopback bool // single-host tests; real runs skip lo
	Hidden          bool // force hidden regardless of settings (CLI --hidden)
	Logf            func(string, ...any)
}

// NewDiscovery builds the discovery service for this node: it announces the
// receiver's port (call after Listen), identifies peers by the transfer
// hello, and retries known devices at their last address.
func (n *Node) NewDiscovery(o DiscoveryOptions) *discovery.Service {
	s := n.Settings()
	vis := VisibilityOf(s, time.Now())
	if o.Hidden {
		vis = discovery.Visibility{Mode: discovery.Hidden}
	}
	var known []discovery.Peer
	if n.Trust != nil {
		for _, k := range n.Trust.List() {
			ap, err := netip.ParseAddrPort(k.LastAddr)
			if err != nil {
				continue
			}
			known = append(known, discovery.Peer{ID: k.ID, Name: k.DisplayName(), Addrs: []netip.AddrPort{ap}, Source: discovery.SourceKnown})
		}
	}
	d := discovery.New(discovery.Config{
		Self: discovery.Self{
			ID: n.Identity.ID, Name: s.DeviceName, OS: runtime.GOOS, Port: n.Port(),
			Proto: strconv.Itoa(transfer.ProtocolVersion),
		},
		Visibility:      vis,
		IncludeLoopback: o.IncludeLoopback,
		Identify:        n.identify,
		DefaultPort:     DefaultPort, // "add by address" without a port
		Known:           known,
		Logf:            o.Logf,
	})
	n.mu.Lock()
	n.disc = d
	n.mu.Unlock()
	return d
}

// Discovery is the service made by NewDiscovery, or nil.
func (n *Node) Discovery() *discovery.Service {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.disc
}

// VisibilityOf maps the visibility setting to discovery's.
func VisibilityOf(s Settings, now time.Time) discovery.Visibility {
	switch s.Visibility {
	case VisibilityHidden:
		return discovery.Visibility{Mode: discovery.Hidden}
	case VisibilityVisible10Min:
		if s.VisibleUntil.After(now) {
			return discovery.Visibility{Mode: discovery.VisibleUntil, Until: s.VisibleUntil}
		}
		return discovery.Visibility{Mode: discovery.Hidden}
	}
	return discovery.Visibility{Mode: discovery.Visible}
}

// AddByAddress is the person adding a device by its address: discovery
// identifies whoever answers there, and, since the person asked for exactly
// this address, the device becomes known (the one way besides an accepted
// offer or a completed send).
func (n *Node) AddByAddress(ctx context.Context, hostport string) (discovery.Peer, error) {
	d := n.Discovery()
	if d == nil {
		return discovery.Peer{}, errors.New("app: AddByAddress before NewDiscovery")
	}
	p, err := d.AddByAddress(ctx, hostport)
	if err != nil || n.Trust == nil {
		return p, err
	}
	addr := hostport
	if a := p.Addr(); a.IsValid() {
		addr = a.String()
	}
	_, _ = n.Trust.Remember(KnownDevice{ID: p.ID, Name: p.Name, LastAddr: addr})
	return p, nil
}

// identify asks whoever listens at hostport for its hello.
func (n *Node) identify(ctx context.Context, hostport string) (discovery.Peer, error) {
	p, err := transfer.Probe(ctx, n.Identity, hostport, "", n.Hello())
	if err != nil {
		return discovery.Peer{}, err
	}
	host, _, _ := net.SplitHostPort(hostport)
	port := p.Port
	if port == 0 {
		_, ps, _ := net.SplitHostPort(hostport)
		port, _ = strconv.Atoi(ps)
	}
	var addrs []netip.AddrPort
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = append(addrs, netip.AddrPortFrom(a, uint16(port)))
	} else if ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host); err == nil {
		for _, ip := range ips {
			addrs = append(addrs, netip.AddrPortFrom(ip.Unmap(), uint16(port)))
		}
	}
	// Nothing is remembered here: whoever answers at an address is only
	// who it says it is, and a device becomes known by the person's
	// consent (an accepted offer, a completed send), never because it
	// answered where a known device used to be.
	return discovery.Peer{ID: p.ID, Name: p.Name, OS: p.OS, Addrs: addrs, Reachable: true}, nil
}
