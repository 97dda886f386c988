package netns

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

// envHelper turns the test binary into a small network tool run inside a
// namespace: "listen", "dial ADDR", "mrecv", "msend", "hostname".
const envHelper = "LEMPAR_NETNS_HELPER"

func TestMain(m *testing.M) {
	if what := os.Getenv(envHelper); what != "" {
		os.Exit(helper(what))
	}
	if ns := os.Getenv(envHost); ns != "" {
		fmt.Println("netns tests started inside LAN host", ns, "without a helper; refusing to recurse")
		os.Exit(3)
	}
	os.Exit(m.Run())
}

var mdnsGroup = &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}

func helper(what string) int {
	verb, arg, _ := strings.Cut(what, " ")
	fail := func(err error) int { fmt.Println("error:", err); return 1 }
	switch verb {
	case "listen": // accept one connection
		ln, err := net.Listen("tcp", ":7000")
		if err != nil {
			return fail(err)
		}
		fmt.Println("ready")
		c, err := ln.Accept()
		if err != nil {
			return fail(err)
		}
		c.Close()
		fmt.Println("accepted")
	case "dial":
		c, err := net.DialTimeout("tcp", arg, 2*time.Second)
		if err != nil {
			return fail(err)
		}
		c.Close()
		fmt.Println("connected")
	case "mrecv": // wait up to 2 s for one mDNS-group datagram on eth0
		eth0, err := net.InterfaceByName("eth0")
		if err != nil {
			return fail(err)
		}
		c, err := net.ListenMulticastUDP("udp4", eth0, mdnsGroup)
		if err != nil {
			return fail(err)
		}
		fmt.Println("ready")
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		b := make([]byte, 100)
		n, _, err := c.ReadFrom(b)
		if err != nil {
			fmt.Println("nothing")
			return 0
		}
		fmt.Println("got", string(b[:n]))
	case "msend":
		eth0, err := net.InterfaceByName("eth0")
		if err != nil {
			return fail(err)
		}
		c, err := net.ListenUDP("udp4", nil)
		if err != nil {
			return fail(err)
		}
		pc := ipv4.NewPacketConn(c)
		_ = pc.SetMulticastInterface(eth0)
		for range 5 {
			_, _ = pc.WriteTo([]byte("hello"), nil, mdnsGroup)
			time.Sleep(100 * time.Millisecond) // spread the copies over the receiver's window
		}
	}
	return 0
}

// start runs the helper on host i and returns its output lines.
func start(t *testing.T, l *LAN, i int, what string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := l.Command(i, os.Args[0])
	cmd.Env = append(os.Environ(), envHelper+"="+what)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, bufio.NewScanner(out)
}

func line(t *testing.T, sc *bufio.Scanner) string {
	t.Helper()
	if !sc.Scan() {
		t.Fatal("helper ended without output")
	}
	return sc.Text()
}

func TestLAN(t *testing.T) {
	l := New(t, 3)
	names := map[string]bool{}
	for i := range l.Hosts() {
		out, err := l.Run(i, "hostname")
		if err != nil {
			t.Fatal(err)
		}
		names[strings.TrimSpace(out)] = true
	}
	if len(names) != 3 {
		t.Fatalf("host names are not distinct: %v", names)
	}

	_, sc := start(t, l, 0, "listen")
	if got := line(t, sc); got != "ready" {
		t.Fatal(got)
	}
	dial := l.Command(2, os.Args[0])
	dial.Env = append(os.Environ(), envHelper+"=dial "+l.Addr(0).String()+":7000")
	if out, err := dial.CombinedOutput(); err != nil || !strings.Contains(string(out), "connected") {
		t.Fatalf("unicast h2 → h0: %v %s", err, out)
	}

	multicast := func() string {
		_, sc := start(t, l, 1, "mrecv")
		if got := line(t, sc); got != "ready" {
			t.Fatal(got)
		}
		send := l.Command(0, os.Args[0])
		send.Env = append(os.Environ(), envHelper+"=msend")
		if out, err := send.CombinedOutput(); err != nil {
			t.Fatalf("msend: %v %s", err, out)
		}
		return line(t, sc)
	}
	if got := multicast(); got != "got hello" {
		t.Fatalf("mDNS-group multicast across the bridge: %q", got)
	}
	l.DropMulticast()
	if got := multicast(); got != "nothing" {
		t.Fatalf("multicast passed the filter: %q", got)
	}
	l.AllowMulticast()
	if got := multicast(); got != "got hello" {
		t.Fatalf("multicast after the filter was removed: %q", got)
	}
}

func TestLANCleanupAndStale(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root (ip netns)")
	}
	stale := "lempar-999999999-dead00-sw" // no such PID
	if out, err := exec.Command("ip", "netns", "add", stale).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	var prefix string
	t.Run("build", func(t *testing.T) {
		l := New(t, 1)
		prefix = l.prefix
	})
	out, _ := exec.Command("ip", "netns", "list").Output()
	if strings.Contains(string(out), stale) || strings.Contains(string(out), prefix) {
		t.Fatalf("namespaces left behind:\n%s", out)
	}
}
