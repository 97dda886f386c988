package discovery

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"github.com/grandcat/zeroconf"
	"github.com/miekg/dns"
)

// browse runs zeroconf's browser until ctx ends, feeding what it reports
// into observe. It contributes the periodic PTR queries (every 4 s backing
// off to 60 s) and first sightings; the monitor supplies everything the
// browser drops (goodbyes, later changes, addresses with their interface).
func browse(ctx context.Context, ifaces []net.Interface, observe func(observation)) error {
	var res *zeroconf.Resolver
	var err error
	// zeroconf fails outright when one address family can't join the group
	// (IPv6 disabled); fall back to the family that works.
	for _, t := range []zeroconf.IPType{zeroconf.IPv4AndIPv6, zeroconf.IPv4, zeroconf.IPv6} {
		if res, err = zeroconf.NewResolver(zeroconf.SelectIfaces(ifaces), zeroconf.SelectIPTraffic(t)); err == nil {
			break
		}
	}
	if err != nil {
		return err
	}
	entries := make(chan *zeroconf.ServiceEntry)
	if err := res.Browse(ctx, serviceType, domain, entries); err != nil {
		return err
	}
	go func() {
		// Drain until zeroconf closes the channel: it blocks on sending
		// otherwise, and closes only after ctx ends.
		for e := range entries {
			observe(entryObservation(e))
		}
	}()
	return nil
}

// entryObservation converts a zeroconf entry. Its addresses come without the
// interface they arrived on, so only those that mean the same from
// everywhere (not loopback, not link-local) are kept.
func entryObservation(e *zeroconf.ServiceEntry) observation {
	o := observation{instance: e.Instance}
	if e.HostName != "" && e.Port != 0 {
		o.hasSRV, o.host, o.port = true, strings.ToLower(dns.Fqdn(e.HostName)), uint16(e.Port)
	}
	if len(e.Text) > 0 {
		o.hasTXT, o.txt = true, parseTXT(e.Text)
	}
	for _, ip := range append(append([]net.IP(nil), e.AddrIPv4...), e.AddrIPv6...) {
		a, ok := netip.AddrFromSlice(ip)
		if !ok {
			continue
		}
		a = a.Unmap()
		if a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() {
			continue
		}
		o.addrs = append(o.addrs, timedAddr{a, minAddrTTL})
	}
	return o
}
