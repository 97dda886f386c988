package discovery

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// wire packs and unpacks m, as a peer receives it.
func wire(t *testing.T, m *dns.Msg) *dns.Msg {
	t.Helper()
	buf, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	var out dns.Msg
	if err := out.Unpack(buf); err != nil {
		t.Fatal(err)
	}
	return &out
}

func TestParseOwnAnnouncement(t *testing.T) {
	self := Self{ID: idA, Name: "Budi's PC", OS: "linux", Port: 7313, Proto: "1"}
	inst := escapeLabel(self.Name)
	addrs := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("fe80::1"), netip.MustParseAddr("::1")}
	m := wire(t, announcement(self, inst, addrs))

	// Over a real interface: loopback addresses are someone else's loopback.
	pk := parseResponse(m, arrival{ifIndex: 2, ifName: "eth0"})
	if len(pk.obs) != 1 {
		t.Fatalf("observations = %+v", pk.obs)
	}
	o := pk.obs[0]
	if unescapeLabel(o.instance) != self.Name || !o.hasSRV || !o.hasTXT || o.txt.id != idA || o.port != 7313 || o.host != "lempar-aaaaaaaaaaaa.local." || o.goodbye {
		t.Fatalf("observation = %+v", o)
	}
	var got []string
	for _, a := range o.addrs {
		got = append(got, a.addr.String())
	}
	slices.Sort(got)
	if want := []string{"10.1.2.3", "fe80::1%eth0"}; !slices.Equal(got, want) {
		t.Fatalf("addrs over eth0 = %v, want %v", got, want)
	}

	// Over loopback: the packet came from this host, loopback is fine.
	pk = parseResponse(m, arrival{ifIndex: 1, ifName: "lo", loopback: true})
	if len(pk.obs[0].addrs) != 4 {
		t.Fatalf("addrs over lo = %v", pk.obs[0].addrs)
	}
}

func TestParseGoodbye(t *testing.T) {
	self := Self{ID: idA, Name: "Sari", OS: "linux", Port: 7313, Proto: "1"}
	m := announcement(self, "Sari", nil)
	for _, rr := range m.Answer {
		rr.Header().Ttl = 0
	}
	pk := parseResponse(wire(t, m), arrival{})
	if len(pk.obs) != 1 || !pk.obs[0].goodbye || pk.obs[0].txt.id != idA {
		t.Fatalf("goodbye parsed as %+v", pk.obs)
	}
	// A stale TTL-0 PTR next to a live SRV is not a goodbye.
	m = announcement(self, "Sari", nil)
	m.Answer[0].Header().Ttl = 0
	if pk := parseResponse(wire(t, m), arrival{}); pk.obs[0].goodbye {
		t.Fatal("live SRV reported as goodbye")
	}
}

func TestParseIgnoresQueriesAndOtherServices(t *testing.T) {
	self := Self{ID: idA, Name: "Sari", Port: 7313, Proto: "1"}
	probe := announcement(self, "Sari", nil)
	probe.Response = false // a probe carries proposed records, not facts
	if pk := parseResponse(wire(t, probe), arrival{}); len(pk.obs) != 0 {
		t.Fatalf("query parsed: %+v", pk.obs)
	}
	other := new(dns.Msg)
	other.Response = true
	other.Answer = []dns.RR{&dns.SRV{Hdr: dns.RR_Header{Name: "p._ipp._tcp.local.", Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: 120}, Target: "p.local.", Port: 631}}
	if pk := parseResponse(wire(t, other), arrival{}); len(pk.obs) != 0 {
		t.Fatalf("other service parsed: %+v", pk.obs)
	}
}

func TestInstanceQuery(t *testing.T) {
	m := wire(t, instanceQuery(escapeLabel("Budi's PC"), "h.local.", true))
	var got []string
	for _, q := range m.Question {
		got = append(got, q.Name+" "+dns.TypeToString[q.Qtype])
	}
	want := []string{`Budi\'s\ PC._lempar._tcp.local. SRV`, `Budi\'s\ PC._lempar._tcp.local. TXT`, "h.local. A", "h.local. AAAA"}
	if !slices.Equal(got, want) || m.Response {
		t.Fatalf("questions = %v", got)
	}
}
