//go:build linux

package discovery

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/lempar/lempar/internal/testproc"
	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
)

// The bare mDNS device: the floor under "CPU per idle device". It does
// only what any mDNS device in the room must: it is woken for every
// datagram on 224.0.0.251:5353 and parses it, and it multicasts an
// announcement of its own (PTR, SRV, TXT, A: the size of a Lempar
// heartbeat) every 4 s ± 10%, as Lempar does. A Lempar device's idle CPU
// beside it, in the same room and the same seconds, says how much is
// Lempar's and how much is this host's cost of a multicast room (the
// emulated switch floods each datagram to every port in the sender's
// system call, so a sender pays for the room's delivery).

// envBare turns the test binary into a bare mDNS device (TestMain).
const envBare = "LEMPAR_BARE_MDNS"

// bareMDNS runs the bare device until SIGTERM or SIGINT.
func bareMDNS() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	group := &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(224, 0, 0, 0), Port: 5353})
	if err != nil {
		fail(err)
	}
	pc := ipv4.NewPacketConn(c)
	ifaces, err := net.Interfaces()
	if err != nil {
		fail(err)
	}
	var out *net.Interface
	for i := range ifaces {
		ifi := &ifaces[i]
		if ifi.Flags&net.FlagUp != 0 && ifi.Flags&net.FlagMulticast != 0 && ifi.Flags&net.FlagLoopback == 0 && pc.JoinGroup(ifi, group) == nil {
			out = ifi
		}
	}
	if out == nil {
		fail(os.ErrNotExist)
	}
	_ = pc.SetMulticastInterface(out)
	msg, err := bareAnnouncement(out)
	if err != nil {
		fail(err)
	}
	b, _ := json.Marshal(map[string]any{"event": "listening", "pid": os.Getpid()})
	os.Stdout.Write(append(b, '\n'))

	go func() {
		buf := make([]byte, 9000)
		for {
			n, _, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var m dns.Msg
			_ = m.Unpack(buf[:n])
		}
	}()
	for {
		wait := 3600*time.Millisecond + rand.N(800*time.Millisecond)
		select {
		case <-ctx.Done():
			c.Close()
			return
		case <-time.After(wait):
			_, _ = pc.WriteTo(msg, nil, group)
		}
	}
}

// bareAnnouncement is the bare device's record set, for a service type no
// Lempar device lists (so it is parsed and set aside, like any neighbour's).
func bareAnnouncement(ifi *net.Interface) ([]byte, error) {
	host, _ := os.Hostname()
	var ip net.IP
	if addrs, err := ifi.Addrs(); err == nil {
		for _, a := range addrs {
			if in, ok := a.(*net.IPNet); ok && in.IP.To4() != nil {
				ip = in.IP.To4()
			}
		}
	}
	svc, inst, target := "_bare._tcp.local.", "Bare "+host+"._bare._tcp.local.", host+".local."
	hdr := func(name string, t uint16, ttl uint32) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET | 1<<15, Ttl: ttl}
	}
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}}
	m.Answer = []dns.RR{
		&dns.PTR{Hdr: dns.RR_Header{Name: svc, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 4500}, Ptr: inst},
		&dns.SRV{Hdr: hdr(inst, dns.TypeSRV, 120), Port: 53318, Target: target},
		&dns.TXT{Hdr: hdr(inst, dns.TypeTXT, 4500), Txt: []string{"v=1", "id=" + randomHex(64), "os=linux", "name=Bare"}},
		&dns.A{Hdr: hdr(target, dns.TypeA, 120), A: ip},
	}
	return m.Pack()
}

func randomHex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[rand.N(16)]
	}
	return string(b)
}

func fail(err error) {
	os.Stderr.WriteString("bare mDNS device: " + err.Error() + "\n")
	os.Exit(1)
}

// startBare starts k bare mDNS devices on r's hosts from host first on,
// and returns their PIDs once each listens.
func (r *room) startBare(first, k int) []int {
	t := r.t
	t.Helper()
	var pids []int
	for i := range k {
		cmd := r.l.Command(first+i, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envBare+"=1")
		cmd.WaitDelay = 2 * time.Second
		p := testproc.Start(t, cmd, testproc.Options{Name: "bare mDNS device"})
		p.Next(10*time.Second, "bare mDNS device listening", func(e testproc.Event) bool { return e.M["event"] == "listening" })
		pids = append(pids, p.Pid)
	}
	return pids
}
