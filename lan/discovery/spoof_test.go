//go:build linux

package discovery

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// envSpoofer turns the test binary into the mDNS attacker on a LAN host.
const envSpoofer = "LEMPAR_DISCOVERY_SPOOFER"

// The attacker runs as a helper process on its own LAN host, dispatched
// from init (before TestMain builds anything).
func init() {
	f := strings.Fields(os.Getenv(envSpoofer))
	if len(f) != 5 {
		return
	}
	n, _ := strconv.Atoi(f[3])
	per, _ := strconv.Atoi(f[4])
	if err := spoof(f[0], f[1], f[2], n, per); err != nil {
		fmt.Fprintln(os.Stderr, "spoofer:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// spoofRounds of goodbyes and announcements, half a second apart.
const spoofRounds = 12

// evilName is what the flood calls its devices: an ESC sequence that would
// clear the screen and retitle the window, a bidi override and a zero-width
// space.
func evilName(i int) string {
	return fmt.Sprintf("Ev\x1b[2J\x1b]0;pwned\x07il\u202efdp.exe\u200b%d", i)
}

// spoof multicasts, from each of the first n addresses in the attacker's
// addresses from 10.77.0.100 on: goodbyes for the victim's instance (name, ID), and
// announcements of per made-up devices with hostile names. It repeats for
// a few seconds, then prints "done".
func spoof(victim, victimID, ifName string, n, per int) error {
	ifi, err := net.InterfaceByName(ifName)
	if err != nil {
		return err
	}
	var conns []*ipv4.PacketConn
	for a := range n {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(10, 77, 0, byte(100+a)), Port: 5353})
		if err != nil {
			return err
		}
		defer c.Close()
		pc := ipv4.NewPacketConn(c)
		if err := pc.SetMulticastInterface(ifi); err != nil {
			return err
		}
		_ = pc.SetMulticastTTL(255)
		conns = append(conns, pc)
	}
	group := &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}
	owner := escape(victim) + "._lempar._tcp.local."
	bye := response(
		&dns.PTR{Hdr: hdr("_lempar._tcp.local.", dns.TypePTR, 0), Ptr: owner},
		&dns.SRV{Hdr: hdr(owner, dns.TypeSRV, 0), Port: 53318, Target: "lempar-" + victimID[:12] + ".local."},
		&dns.TXT{Hdr: hdr(owner, dns.TypeTXT, 0), Txt: []string{"v=1", "id=" + victimID, "os=linux"}},
	)
	for round := range spoofRounds {
		for a, pc := range conns {
			if _, err := pc.WriteTo(bye, nil, group); err != nil {
				return err
			}
			for i := range per {
				k := a*per + i
				id := fmt.Sprintf("%064x", 0xe000+k)
				inst := escape(evilName(k)) + "._lempar._tcp.local."
				host := fmt.Sprintf("lempar-%s.local.", id[:12])
				msg := response(
					&dns.PTR{Hdr: hdr("_lempar._tcp.local.", dns.TypePTR, 4500), Ptr: inst},
					&dns.SRV{Hdr: hdr(inst, dns.TypeSRV, 120), Port: 53318, Target: host},
					&dns.TXT{Hdr: hdr(inst, dns.TypeTXT, 4500), Txt: []string{"v=1", "id=" + id, "os=linux"}},
					&dns.A{Hdr: hdr(host, dns.TypeA, 120), A: net.IPv4(10, 77, 0, byte(100+a))},
				)
				if _, err := pc.WriteTo(msg, nil, group); err != nil {
					return err
				}
			}
		}
		fmt.Printf("{\"event\":\"round\",\"round\":%d}\n", round)
		time.Sleep(500 * time.Millisecond) // the attack's pace, not a readiness wait
	}
	fmt.Println(`{"event":"done"}`)
	return nil
}

func hdr(name string, t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

func response(rrs ...dns.RR) []byte {
	m := new(dns.Msg)
	m.Response, m.Authoritative = true, true
	m.Answer = rrs
	b, err := m.Pack()
	if err != nil {
		panic(err)
	}
	return b
}

// escape writes a raw label in miekg/dns presentation form (dots,
// backslashes and non-printable bytes escaped).
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == ' ' || c == '@' || c == '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// TestLANSpoofedGoodbyesAndFlood (issue 13 item 10, with real processes):
// while `peers --watch --json` watches a real receiver, an attacker on
// another host multicasts goodbyes for the receiver's instance from 40
// addresses of its own and announces 16 made-up devices with hostile names
// from each (640 in all). The receiver is never reported lost, each
// address lists at most 8 devices and the table at most 256; `peers`
// prints the hostile names with every control, bidi and invisible
// character escaped.
func TestLANSpoofedGoodbyesAndFlood(t *testing.T) {
	const addrs, perAddr = 40, 16
	l := netns.New(t, 3)
	const rxHost, watchHost, evilHost = 0, 1, 2
	for a := range addrs {
		ip(t, "-n", l.Namespace(evilHost), "addr", "add", fmt.Sprintf("10.77.0.%d/24", 100+a), "dev", "eth0")
	}
	w := watch(t, l, watchHost)
	d := newDevice(t, "Sari-PC")
	d.receive(t, l, rxHost)
	w.Next(5*time.Second, "Sari-PC seen", event("seen", d.id))

	cmd := l.Command(evilHost, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envSpoofer+"=Sari-PC "+d.id+" eth0 "+strconv.Itoa(addrs)+" "+strconv.Itoa(perAddr))
	evil := testproc.Start(t, cmd, testproc.Options{Name: "spoofer"})
	start := time.Now()
	evil.Next(10*time.Second, "the first round", func(e testproc.Event) bool { return e.M["event"] == "round" })
	// A person's view: `peers` prints names, never raw control bytes.
	p := run(t, l, watchHost, "peers", "--config", filepath.Join(t.TempDir(), "looker"), "peers", "--timeout", "2s")
	if code := p.Exit(20 * time.Second); code != 0 {
		t.Fatalf("peers exited %d: %s", code, p.Stderr())
	}
	out := p.Output() + p.Stderr()
	if bad := rawControl(out); bad != "" {
		t.Fatalf("peers printed %s raw:\n%q", bad, out)
	}
	if !strings.Contains(out, `\x1b[2J`) || !strings.Contains(out, `\u202e`) {
		t.Fatalf("the hostile names are not shown escaped:\n%s", out)
	}
	if code := evil.Exit(30 * time.Second); code != 0 {
		t.Fatalf("spoofer exited %d: %s", code, evil.Stderr())
	}
	// Goodbyes count after a grace period and a silent device is probed
	// within seconds: watch a while longer for a loss.
	w.None(4*time.Second, "the receiver lost after spoofed goodbyes", event("lost", d.id))

	fakes := map[string]bool{}
	bySrc := map[string]map[string]bool{}
	for _, e := range w.Events() {
		id, _ := e.M["id"].(string)
		if e.M["event"] != "seen" || !strings.HasPrefix(id, "000000000000") {
			continue
		}
		fakes[id] = true
		for _, a := range e.M["addrs"].([]any) {
			host, _, _ := net.SplitHostPort(a.(string))
			if bySrc[host] == nil {
				bySrc[host] = map[string]bool{}
			}
			bySrc[host][id] = true
		}
	}
	most := 0
	for _, ids := range bySrc {
		most = max(most, len(ids))
	}
	hwm := procStatusKB(t, w.Pid, "VmHWM")
	t.Logf("FIGURE spoofed mDNS: %d goodbyes for the receiver from %d addresses ignored (not lost over %.1f s); %d made-up devices announced, %d listed (at most %d per address); watcher VmHWM %d MiB",
		spoofRounds*addrs, addrs, time.Since(start).Seconds(), addrs*perAddr, len(fakes), most, hwm>>10)
	if len(fakes) > 256 {
		t.Errorf("the watcher listed %d made-up devices; the table holds at most 256", len(fakes))
	}
	if most > 8 {
		t.Errorf("one address listed %d devices; at most 8 per address", most)
	}
	if len(fakes) == 0 {
		t.Fatal("no made-up device was listed at all: the flood never arrived")
	}

}

// rawControl names the first control, bidi or invisible format character
// in s ("" when there is none); newlines and tabs are fine.
func rawControl(s string) string {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f),
			r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e,
			r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029, r == 0xfeff,
			r == utf8.RuneError:
			return fmt.Sprintf("%U", r)
		}
	}
	return ""
}

// procStatusKB reads a kB field such as VmHWM from /proc/PID/status.
func procStatusKB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}
