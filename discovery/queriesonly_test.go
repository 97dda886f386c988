package discovery

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/bpf"
	"golang.org/x/net/ipv4"

	"github.com/lempar/lempar/internal/netns"
)

// The filter on zeroconf's sockets keeps plain queries (which zeroconf
// answers: avahi and Bonjour ask them) and drops responses (heartbeats)
// and room queries (an authority section); and it is attached to the real
// server of the pinned zeroconf version.
func TestQueriesOnlyFilter(t *testing.T) {
	netns.RequireLoopback(t)
	vm, err := bpf.NewVM(queriesOnlyFilter)
	if err != nil {
		t.Fatal(err)
	}
	self := Self{ID: randomID(t), Name: "Desk 01", Port: 7313, Proto: "1"}
	for _, c := range []struct {
		name string
		m    *dns.Msg
		keep bool
	}{
		{"plain query", browseQuery(nil, false), true},
		{"known-answer query", browseQuery([]knownAnswer{{escapeLabel("Desk 02"), recordTTL}}, false), true},
		{"room query", browseQuery(nil, true), false},
		{"heartbeat", announcement(self, escapeLabel(self.Name), []netip.Addr{netip.MustParseAddr("10.0.0.2")}), false},
	} {
		b, err := c.m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		n, err := vm.Run(append(make([]byte, 8), b...)) // a UDP header, then the message
		if err != nil {
			t.Fatal(err)
		}
		if keep := n > 0; keep != c.keep {
			t.Errorf("%s: kept %v, want %v", c.name, keep, c.keep)
		}
	}

	// The kernel runs it on a real socket as the VM did (offsets from the
	// UDP header): a heartbeat sent first is dropped, the query after it
	// arrives.
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	prog, _ := bpf.Assemble(queriesOnlyFilter)
	if err := ipv4.NewPacketConn(c).SetBPF(prog); err != nil {
		t.Skipf("socket filters: %v", err)
	}
	hb, _ := announcement(self, escapeLabel(self.Name), nil).Pack()
	q, _ := browseQuery(nil, false).Pack()
	for _, b := range [][]byte{hb, q} {
		if _, err := c.WriteTo(b, c.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 9000)
	n, _, err := c.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	var got dns.Msg
	if err := got.Unpack(buf[:n]); err != nil || got.Response {
		t.Fatalf("first datagram through the filter: response %v, err %v; want the query", got.Response, err)
	}

	nc, err := pickInterfaces(&Config{IncludeLoopback: true})
	if err != nil || len(nc.ifaces) == 0 {
		t.Skipf("no interfaces: %v %v", nc.ifaces, err)
	}
	srv, err := register(self, escapeLabel(self.Name), nc)
	if err != nil {
		t.Skipf("zeroconf: %v", err)
	}
	defer (&announcer{srv: srv, started: time.Now()}).shutdown()
	if n := queriesOnly(srv); n == 0 {
		t.Fatal("no zeroconf socket found to filter: has zeroconf's Server changed?")
	}
}
