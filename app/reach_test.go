package app

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/i18n"
)

// listen starts a loopback listener on host that signals each connection
// it accepts.
func listen(t *testing.T, host string) (port int, accepted chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", host, err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = make(chan struct{}, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
			select {
			case accepted <- struct{}{}:
			default:
			}
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, accepted
}

func noFirewall() string { return "" }

func TestCheckReachReachable(t *testing.T) {
	port, accepted := listen(t, "127.0.0.1")
	r := CheckReach(context.Background(), ReachOptions{
		Port: port, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, OS: "linux", Firewall: noFirewall,
	})
	if r.State() != ReachOK || r.Results[0].Err != nil {
		t.Fatalf("state %v, results %+v; want ReachOK", r.State(), r.Results)
	}
	if h, a := r.Hint(i18n.Load("en")), r.FirewallAdvice(i18n.Load("en")); h != "" || a != "" {
		t.Errorf("hint %q, advice %q for a reachable receiver", h, a)
	}
	select {
	case <-accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("the listener never saw the check's connection")
	}
}

// The receiver listens on 127.0.0.2 only: the check on 127.0.0.1 is refused,
// as a receiver bound to the wrong address would be from the LAN.
func TestCheckReachUnreachable(t *testing.T) {
	port, accepted := listen(t, "127.0.0.2")
	start := time.Now()
	r := CheckReach(context.Background(), ReachOptions{
		Port: port, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, OS: "linux",
		Firewall: func() string { return FirewallUFW },
	})
	if r.State() != ReachBlocked || r.Results[0].Err == nil {
		t.Fatalf("state %v, results %+v; want ReachBlocked", r.State(), r.Results)
	}
	if time.Since(start) > ReachTimeout {
		t.Errorf("a refused connection took %v", time.Since(start))
	}
	if len(accepted) != 0 {
		t.Errorf("the listener on 127.0.0.2 accepted %d connections", len(accepted))
	}
	want := "sudo ufw allow " + strconv.Itoa(port) + "/tcp"
	for _, lang := range []string{"en", "id"} {
		if h := r.Hint(i18n.Load(lang)); !strings.Contains(h, want) {
			t.Errorf("%s hint %q lacks %q", lang, h, want)
		}
	}
	if en, id := r.Hint(i18n.Load("en")), r.Hint(i18n.Load("id")); en == id {
		t.Errorf("the Indonesian hint is the English one: %q", id)
	}
}

// One address answering is enough: other devices use whichever they learnt.
func TestCheckReachOneOfTwo(t *testing.T) {
	port, _ := listen(t, "127.0.0.1")
	r := CheckReach(context.Background(), ReachOptions{
		Port:  port,
		Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.3"), netip.MustParseAddr("127.0.0.1")},
		OS:    "windows", Firewall: noFirewall,
	})
	if r.State() != ReachOK || r.Results[0].Err == nil || r.Results[1].Err != nil {
		t.Fatalf("state %v, results %+v; want the second address only to answer", r.State(), r.Results)
	}
	if r.Results[1].Addr != netip.MustParseAddrPort("127.0.0.1:"+strconv.Itoa(port)) {
		t.Errorf("results out of order: %+v", r.Results)
	}
}

func TestReachHints(t *testing.T) {
	refused := []ReachResult{{Err: errors.New("refused")}}
	answered := []ReachResult{{}}
	cases := []struct {
		name string
		r    ReachReport
		want ReachState
		has  string // in the English hint
	}{
		{"no network", ReachReport{OS: "linux"}, ReachNoNetwork, "isn't connected"},
		{"windows blocked", ReachReport{OS: "windows", Firewall: FirewallWindows, Results: refused}, ReachBlocked, "Windows Defender Firewall"},
		{"windows first run", ReachReport{OS: "windows", Firewall: FirewallWindows, Results: answered}, ReachFirewallOn, "choose Allow for private networks"},
		{"firewalld blocked", ReachReport{OS: "linux", Firewall: FirewallFirewalld, Results: refused}, ReachBlocked, "firewall-cmd --add-port=53318/tcp --permanent"},
		{"ufw on", ReachReport{OS: "linux", Firewall: FirewallUFW, Results: answered}, ReachFirewallOn, "sudo ufw allow 53318/tcp"},
		{"linux unknown", ReachReport{OS: "linux", Results: refused}, ReachBlocked, "sudo ufw allow 53318/tcp"},
		{"mac blocked", ReachReport{OS: "darwin", Results: refused}, ReachBlocked, "System Settings"},
		{"mac on", ReachReport{OS: "darwin", Firewall: FirewallMacOS, Results: answered}, ReachFirewallOn, "Allow incoming connections"},
		{"freebsd", ReachReport{OS: "freebsd", Results: refused}, ReachBlocked, "incoming TCP connections on port 53318"},
	}
	en, id := i18n.Load("en"), i18n.Load("id")
	for _, c := range cases {
		c.r.Port = DefaultPort
		if got := c.r.State(); got != c.want {
			t.Errorf("%s: state %v, want %v", c.name, got, c.want)
		}
		// a sure problem is a Hint, a maybe is FirewallAdvice, never both
		text, other := c.r.Hint, c.r.FirewallAdvice
		if c.want == ReachFirewallOn {
			text, other = other, text
		}
		h := text(en)
		if !strings.Contains(h, c.has) {
			t.Errorf("%s: %q lacks %q", c.name, h, c.has)
		}
		if hid := text(id); strings.HasPrefix(hid, "reach.") || hid == h {
			t.Errorf("%s: no Indonesian text: %q", c.name, hid)
		}
		if o := other(en); o != "" {
			t.Errorf("%s: both a hint and advice: %q", c.name, o)
		}
	}
}

func TestDetectFirewallLinux(t *testing.T) {
	root := t.TempDir()
	if got := DetectFirewall("linux", root); got != "" {
		t.Errorf("empty system: %q", got)
	}
	write := func(rel, s string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("proc/1/comm", "systemd\n")
	write("proc/self/comm", "firewalld\n") // not a PID: ignored
	write("etc/ufw/ufw.conf", "# /etc/ufw/ufw.conf\nENABLED=no\nLOGLEVEL=low\n")
	if got := DetectFirewall("linux", root); got != "" {
		t.Errorf("ufw disabled, no firewalld: %q", got)
	}
	write("proc/812/comm", "firewalld\n")
	if got := DetectFirewall("linux", root); got != FirewallFirewalld {
		t.Errorf("firewalld running: %q", got)
	}
	write("etc/ufw/ufw.conf", "ENABLED=yes\n")
	if got := DetectFirewall("linux", root); got != FirewallUFW {
		t.Errorf("ufw enabled: %q", got)
	}
	if got := DetectFirewall("windows", root); got != FirewallWindows {
		t.Errorf("windows: %q", got)
	}
}

func TestLANAddrsLeavesLoopbackOut(t *testing.T) {
	for _, a := range LANAddrs() {
		if a.IsLoopback() || a.Is6() && a.IsLinkLocalUnicast() || a.Is4In6() {
			t.Errorf("LANAddrs lists %v", a)
		}
	}
}
