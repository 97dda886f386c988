package discovery

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// netConfig is the interfaces mDNS runs on and the addresses we announce.
// Its key changes when an interface comes, goes or changes address, which is
// when sockets are rebuilt and the announcement renewed.
type netConfig struct {
	ifaces []net.Interface
	addrs  []netip.Addr
	local  []netip.Prefix // every subnet of those interfaces: where probes may go
	key    string
}

// pickInterfaces returns the up, multicast-capable interfaces (or the ones
// the config names), skipping loopback unless asked, and those without an
// address worth announcing.
func pickInterfaces(cfg *Config) (netConfig, error) {
	cands := cfg.Interfaces
	if cands == nil {
		all, err := net.Interfaces()
		if err != nil {
			return netConfig{}, fmt.Errorf("listing network interfaces: %w", err)
		}
		cands = all
	}
	var nc netConfig
	var key strings.Builder
	for _, ifi := range cands {
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 {
			continue
		}
		if ifi.Flags&net.FlagLoopback != 0 && !cfg.IncludeLoopback && cfg.Interfaces == nil {
			continue
		}
		addrs := interfaceAddrs(ifi)
		if len(addrs) == 0 {
			continue
		}
		nc.ifaces = append(nc.ifaces, ifi)
		nc.addrs = append(nc.addrs, addrs...)
		nc.local = append(nc.local, subnets(ifi)...)
		fmt.Fprintf(&key, "%d:%s:%v;", ifi.Index, ifi.Name, addrs)
	}
	slices.SortFunc(nc.addrs, netip.Addr.Compare)
	nc.addrs = slices.Compact(nc.addrs)
	nc.key = key.String()
	return nc, nil
}

// subnets lists the prefixes of every address on ifi, link-local included.
func subnets(ifi net.Interface) []netip.Prefix {
	raw, err := ifi.Addrs()
	if err != nil {
		return nil
	}
	var out []netip.Prefix
	for _, a := range raw {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ones, _ := ipn.Mask.Size()
		ip = ip.Unmap()
		if ip.Is4() && ones > 32 {
			ones -= 96
		}
		if p, err := ip.Prefix(ones); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// interfaceAddrs lists what we announce for one interface: every IPv4
// address, global IPv6 addresses, and the link-local one only when there is
// no other (like zeroconf's own choice, but keeping loopback when the
// interface is loopback).
func interfaceAddrs(ifi net.Interface) []netip.Addr {
	raw, err := ifi.Addrs()
	if err != nil {
		return nil
	}
	var v4, v6, v6ll []netip.Addr
	for _, a := range raw {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		switch {
		case ip.Is4():
			v4 = append(v4, ip)
		case ip.IsLinkLocalUnicast():
			v6ll = append(v6ll, ip)
		default:
			v6 = append(v6, ip)
		}
	}
	if len(v6) == 0 {
		v6 = v6ll
	}
	return append(v4, v6...)
}

func arrivalFor(ifaces []net.Interface, index int) arrival {
	for _, ifi := range ifaces {
		if ifi.Index == index {
			return arrival{ifIndex: index, ifName: ifi.Name, loopback: ifi.Flags&net.FlagLoopback != 0}
		}
	}
	return arrival{ifIndex: index}
}
