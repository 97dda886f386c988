package discovery

import (
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// FuzzMDNSPacket feeds whatever arrives on the mDNS port through what the
// monitor does with it: parse as a response, check as a room query, apply
// to the table. Nothing may panic, and the table stays within its bounds
// however many packets come.
func FuzzMDNSPacket(f *testing.F) {
	for _, m := range fuzzSeeds() {
		if b, err := m.Pack(); err == nil {
			f.Add(b, true)
		}
	}
	tbl := newTable(selfID)
	now := t0
	f.Fuzz(func(t *testing.T, b []byte, v4 bool) {
		msg := new(dns.Msg)
		if msg.Unpack(b) != nil {
			return
		}
		at := arrival{ifIndex: 2, ifName: "eth0", src: netip.MustParseAddr("fe80::2")}
		if v4 {
			at.src = netip.MustParseAddr("10.0.0.2")
		}
		_ = roomQueryFor(msg, escapeLabel("Desk 01"))
		pk := parseResponse(msg, at)
		now = now.Add(tickEvery)
		for _, o := range pk.obs {
			tbl.observe(now, o)
		}
		for host, addrs := range pk.hostAddrs {
			tbl.hostAddrs(now, host, addrs)
		}
		tbl.tick(now)
		tbl.takeEvents()
		tbl.takeActions()
		_ = tbl.knownAnswers(now)
		if len(tbl.peers) > maxPeers || len(tbl.asked) > maxAsked {
			t.Fatalf("table holds %d peers, %d asked", len(tbl.peers), len(tbl.asked))
		}
	})
}

func fuzzSeeds() []*dns.Msg {
	self := Self{ID: idA, Name: "Desk 01", Port: 53318, OS: "linux", Proto: "1"}
	ann := announcement(self, escapeLabel(self.Name), []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("fe80::2")})
	bye := announcement(self, escapeLabel(self.Name), nil)
	for _, rr := range bye.Answer {
		rr.Header().Ttl = 0
	}
	return []*dns.Msg{
		ann, bye,
		browseQuery([]knownAnswer{{escapeLabel("Desk 02"), recordTTL}}, true),
		browseQuery(nil, false),
		instanceQuery(escapeLabel("Desk 01"), "lempar-aaaaaaaaaaaa.local.", true),
	}
}
