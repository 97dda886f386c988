package discovery

import (
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// minAddrTTL keeps addresses from flapping when a stack announces short
// TTLs; probes, not TTLs, decide whether a peer is still there.
const minAddrTTL = 120 * time.Second

// arrival says where a packet came in, which decides what its addresses mean:
// loopback addresses only count when the packet came over loopback (else we
// would probe ourselves), and link-local IPv6 needs the interface as zone.
type arrival struct {
	ifIndex  int
	ifName   string
	loopback bool
	src      netip.Addr // the packet's source address, zone dropped
}

type timedAddr struct {
	addr netip.Addr
	ttl  time.Duration
}

// observation is what one response packet says about one instance of our
// service.
type observation struct {
	instance string // escaped instance label
	hasSRV   bool
	host     string // SRV target, lowercased FQDN
	port     uint16
	hasTXT   bool
	txt      txtInfo
	addrs    []timedAddr // addresses of host carried in the same packet
	goodbye  bool        // the instance's PTR or SRV came with TTL 0
	src      netip.Addr  // who sent the packet: a goodbye counts only from the device itself
}

// packet is everything of interest in one mDNS response.
type packet struct {
	obs []observation
	// hostAddrs holds every A/AAAA record in the packet by lowercased host
	// name, for completing peers whose addresses came separately.
	hostAddrs map[string][]timedAddr
}

// parseResponse extracts our service's records. Queries are ignored even
// when they carry records (probes put proposed records in the authority
// section; they are not facts yet).
func parseResponse(msg *dns.Msg, at arrival) packet {
	var p packet
	if !msg.Response {
		return p
	}
	rrs := make([]dns.RR, 0, len(msg.Answer)+len(msg.Ns)+len(msg.Extra))
	rrs = append(append(append(rrs, msg.Answer...), msg.Ns...), msg.Extra...)

	byInst := map[string]*observation{}
	var order []string
	get := func(inst string) *observation {
		k := strings.ToLower(inst)
		o, ok := byInst[k]
		if !ok {
			o = &observation{instance: inst, src: at.src}
			byInst[k] = o
			order = append(order, k)
		}
		return o
	}
	live := map[string]bool{} // instances with a non-zero-TTL SRV in this packet
	for _, rr := range rrs {
		h := rr.Header()
		switch rr := rr.(type) {
		case *dns.PTR:
			if !strings.EqualFold(h.Name, serviceName) {
				continue
			}
			inst, ok := splitInstance(rr.Ptr)
			if !ok {
				continue
			}
			o := get(inst)
			if h.Ttl == 0 {
				o.goodbye = true
			}
		case *dns.SRV:
			inst, ok := splitInstance(h.Name)
			if !ok {
				continue
			}
			o := get(inst)
			o.hasSRV = true
			o.host = strings.ToLower(dns.Fqdn(rr.Target))
			o.port = rr.Port
			if h.Ttl == 0 {
				o.goodbye = true
			} else {
				live[strings.ToLower(inst)] = true
			}
		case *dns.TXT:
			inst, ok := splitInstance(h.Name)
			if !ok {
				continue
			}
			o := get(inst)
			o.hasTXT = true
			o.txt = parseTXT(rr.Txt)
		case *dns.A:
			p.addHost(h, rr.A, at)
		case *dns.AAAA:
			p.addHost(h, rr.AAAA, at)
		}
	}
	for _, k := range order {
		o := byInst[k]
		if live[k] {
			o.goodbye = false // a PTR goodbye next to a live SRV is a stale leftover
		}
		if o.host != "" {
			o.addrs = p.hostAddrs[o.host]
		}
		p.obs = append(p.obs, *o)
	}
	return p
}

func (p *packet) addHost(h *dns.RR_Header, ip net.IP, at arrival) {
	if h.Ttl == 0 {
		// Address goodbyes are ignored: a renamed device retires its old
		// registration while the new one announces the same host, and
		// probes notice an address that really went away.
		return
	}
	a, ok := usableAddr(ip, at)
	if !ok {
		return
	}
	if p.hostAddrs == nil {
		p.hostAddrs = map[string][]timedAddr{}
	}
	host := strings.ToLower(h.Name)
	ttl := max(time.Duration(h.Ttl)*time.Second, minAddrTTL)
	p.hostAddrs[host] = append(p.hostAddrs[host], timedAddr{a, ttl})
}

func usableAddr(ip net.IP, at arrival) (netip.Addr, bool) {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}, false
	}
	a = a.Unmap()
	switch {
	case !a.IsValid(), a.IsUnspecified(), a.IsMulticast():
		return netip.Addr{}, false
	case a.IsLoopback():
		return a, at.loopback
	case a.Is6() && a.IsLinkLocalUnicast():
		if at.ifName == "" {
			return netip.Addr{}, false
		}
		return a.WithZone(at.ifName), true
	}
	return a, true
}

// instanceQuery asks for an instance's SRV (and TXT when the ID is still
// unknown) and, for peers whose addresses we lack, the host's A and AAAA.
// zeroconf answers an instance question with everything including
// addresses; other stacks answer the host questions.
func instanceQuery(instance, host string, wantTXT bool) *dns.Msg {
	m := new(dns.Msg)
	owner := instance + "." + serviceName
	m.Question = append(m.Question, dns.Question{Name: owner, Qtype: dns.TypeSRV, Qclass: dns.ClassINET})
	if wantTXT {
		m.Question = append(m.Question, dns.Question{Name: owner, Qtype: dns.TypeTXT, Qclass: dns.ClassINET})
	}
	if host != "" {
		m.Question = append(m.Question,
			dns.Question{Name: host, Qtype: dns.TypeA, Qclass: dns.ClassINET},
			dns.Question{Name: host, Qtype: dns.TypeAAAA, Qclass: dns.ClassINET})
	}
	m.RecursionDesired = false
	return m
}
