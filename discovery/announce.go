package discovery

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/grandcat/zeroconf"
	"github.com/miekg/dns"
)

// recordTTL matches what zeroconf's server uses for service records, so our
// own announcement and its answers agree; addresses use 120 s (RFC 6762 10).
const (
	recordTTL = 3200
	addrTTL   = 120
	// minServerAge works around a zeroconf bug: its reader goroutines call
	// WaitGroup.Add themselves, so a Shutdown right after RegisterProxy can
	// Wait before they Add (a data race, and a reader left running). They
	// start within microseconds; waiting this long before Shutdown makes the
	// order certain in practice. It only delays a stop or a rename that
	// comes right after a start.
	minServerAge = 250 * time.Millisecond
)

// announcer is the zeroconf server currently announcing us, owned by the
// Serve loop.
type announcer struct {
	srv      *zeroconf.Server
	instance string // escaped label it announces
	key      string // everything it announces; a change means re-register
	started  time.Time
}

// shutdown says goodbye and closes the server's sockets.
func (a *announcer) shutdown() {
	if d := minServerAge - time.Since(a.started); d > 0 {
		time.Sleep(d)
	}
	a.srv.Shutdown()
}

// register announces instance through zeroconf. RegisterProxy rather than
// Register: it takes our unique host name and our address list, where
// Register would use the OS host name (shared by stock installs) and drop
// loopback addresses (which single-host tests need).
func register(self Self, instance string, nc netConfig) (*zeroconf.Server, error) {
	ips := make([]string, 0, len(nc.addrs))
	for _, a := range nc.addrs {
		ips = append(ips, a.WithZone("").String())
	}
	srv, err := zeroconf.RegisterProxy(instance, serviceType, domain, self.Port, hostLabel(self.ID), ips, txtFor(self), nc.ifaces)
	queriesOnly(srv)
	return srv, err
}

func announceKey(self Self, instance string, nc netConfig) string {
	return strings.Join([]string{instance, strconv.Itoa(self.Port), strings.Join(txtFor(self), "\x00"), nc.key}, "\x01")
}

// announcement is the unsolicited response sent the moment a registration
// starts. zeroconf sends its first one only after two probe rounds with
// random pauses (up to half a second); sending it at once makes a start
// visible right away and lets a rename or re-registration follow the old
// registration's goodbye well within the peers' grace period.
func announcement(self Self, instance string, addrs []netip.Addr) *dns.Msg {
	owner := instance + "." + serviceName
	host := hostLabel(self.ID) + "." + domain
	flush := uint16(dns.ClassINET | 1<<15) // cache-flush: these records are ours alone
	m := new(dns.Msg)
	m.Response, m.Authoritative = true, true
	m.Answer = []dns.RR{
		&dns.PTR{Hdr: dns.RR_Header{Name: serviceName, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: recordTTL}, Ptr: owner},
		&dns.SRV{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeSRV, Class: flush, Ttl: recordTTL}, Port: uint16(self.Port), Target: host},
		&dns.TXT{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeTXT, Class: flush, Ttl: recordTTL}, Txt: txtFor(self)},
	}
	for _, a := range addrs {
		if a.Is4() {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: host, Rrtype: dns.TypeA, Class: flush, Ttl: addrTTL}, A: a.AsSlice()})
		} else {
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: dns.RR_Header{Name: host, Rrtype: dns.TypeAAAA, Class: flush, Ttl: addrTTL}, AAAA: a.WithZone("").AsSlice()})
		}
	}
	return m
}
