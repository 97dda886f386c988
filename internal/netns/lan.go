package netns

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// LAN is a few hosts on one Ethernet segment, all in network namespaces
// made for the test: hosts lempar-PID-TAG-hN with eth0, cabled by veth pairs
// to bridge br0 in lempar-PID-TAG-sw. Nothing is added to the host's own
// network namespace.
type LAN struct {
	t      testing.TB
	prefix string
	sw     string
	hosts  []string
}

// New builds a LAN of n hosts and removes it when the test ends (pass or
// fail). It also removes namespaces that earlier, crashed test runs left
// behind. It skips the test when not root or when iproute2 is missing.
func New(t testing.TB, n int) *LAN {
	t.Helper()
	if ns := os.Getenv(envHost); ns != "" {
		// A test binary started on a LAN host ran its tests again instead
		// of a helper: building another LAN there would recurse without end.
		t.Fatalf("netns.New called inside LAN host %s: a test re-ran the test binary without its helper mode", ns)
	}
	if runtime.GOOS != "linux" {
		t.Skip("skipping: the multi-host LAN is built from Linux network namespaces")
	}
	if os.Geteuid() != 0 {
		t.Skip("skipping: building a multi-host LAN needs root (ip netns); run the tests as root, as CI does")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: ip (iproute2) is not installed")
	}
	RemoveStale()
	tag := make([]byte, 3)
	_, _ = rand.Read(tag)
	l := &LAN{t: t, prefix: fmt.Sprintf("lempar-%d-%s", os.Getpid(), hex.EncodeToString(tag))}
	l.sw = l.prefix + "-sw"
	t.Cleanup(l.remove)
	l.must("ip", "netns", "add", l.sw)
	l.must("ip", "-n", l.sw, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	l.must("ip", "-n", l.sw, "link", "set", "br0", "up")
	for i := range n {
		ns := fmt.Sprintf("%s-h%d", l.prefix, i)
		l.hosts = append(l.hosts, ns)
		l.must("ip", "netns", "add", ns)
		// No duplicate address detection: link-local IPv6 is usable at
		// once instead of after a second of "tentative".
		l.must("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
		port := l.SwitchPort(i)
		l.must("ip", "-n", l.sw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
		l.must("ip", "-n", l.sw, "link", "set", port, "master", "br0", "up")
		l.must("ip", "-n", ns, "link", "set", "lo", "up")
		l.must("ip", "-n", ns, "addr", "add", l.Addr(i).String()+"/24", "dev", "eth0")
		l.must("ip", "-n", ns, "link", "set", "eth0", "up")
	}
	return l
}

// Hosts is the number of hosts.
func (l *LAN) Hosts() int { return len(l.hosts) }

// Namespace is host i's network namespace name (for ip netns exec).
func (l *LAN) Namespace(i int) string { return l.hosts[i] }

// Addr is host i's IPv4 address.
func (l *LAN) Addr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 77, 0, byte(i + 1)})
}

// Switch is the namespace that holds the bridge. Host i's cable ends there
// in SwitchPort(i): shaping or unplugging that port affects only host i's
// link, as a switch port or a Wi-Fi association would.
func (l *LAN) Switch() string { return l.sw }

// SwitchPort is the bridge port (in Switch) cabled to host i's eth0.
func (l *LAN) SwitchPort(i int) string { return "p" + strconv.Itoa(i) }

// Hostname is the host name host i's commands see (each runs in its own
// UTS namespace).
func (l *LAN) Hostname(i int) string { return "host" + strconv.Itoa(i) }

// envHost marks processes started on a LAN host (see New).
const envHost = "LEMPAR_NETNS_HOST"

// Command prepares name args... to run on host i, with its own host name.
func (l *LAN) Command(i int, name string, args ...string) *exec.Cmd {
	script := `hostname "$0" && export ` + envHost + `=` + l.hosts[i] + ` && exec "$@"`
	full := append([]string{"netns", "exec", l.hosts[i], "unshare", "-u", "--", "sh", "-c", script, l.Hostname(i), name}, args...)
	cmd := exec.Command("ip", full...)
	dieWithParent(cmd)
	return cmd
}

// Run runs a command on host i and returns its combined output.
func (l *LAN) Run(i int, name string, args ...string) (string, error) {
	out, err := l.Command(i, name, args...).CombinedOutput()
	return string(out), err
}

// mdnsRules drops mDNS frames (IPv4 group 224.0.0.251, IPv6 ff02::fb) on
// the bridge. Only those: all multicast would take ARP broadcasts and IPv6
// neighbour discovery with it, and unicast must keep working.
const mdnsRules = `table bridge lempar {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ether daddr 01:00:5e:00:00:fb drop
		%s
	}
}
`

// DropMulticast makes the switch drop mDNS and LocalSend's discovery
// groups, like a network with client isolation or multicast filtering.
// Unicast still flows.
func (l *LAN) DropMulticast() { l.dropMDNS(true) }

// DropMulticastIPv4 drops only IPv4 mDNS, so discovery must use IPv6.
func (l *LAN) DropMulticastIPv4() { l.dropMDNS(false) }

func (l *LAN) dropMDNS(v6 bool) {
	l.t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		l.t.Skip("skipping: nft (Debian package nftables) is not installed")
	}
	extra := ""
	if v6 {
		// A network that blocks multicast blocks LocalSend's groups too
		// (224.0.0.167, ff12::fd3a:e420), not only mDNS.
		extra = "ether daddr 33:33:00:00:00:fb drop\n\t\tether daddr 01:00:5e:00:00:a7 drop\n\t\tether daddr 33:33:fd:3a:e4:20 drop"
	}
	l.AllowMulticast()
	cmd := exec.Command("ip", "netns", "exec", l.sw, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(fmt.Sprintf(mdnsRules, extra))
	if out, err := cmd.CombinedOutput(); err != nil {
		l.t.Fatalf("nft: %v: %s", err, out)
	}
}

// AllowMulticast removes the filter again.
func (l *LAN) AllowMulticast() {
	_ = exec.Command("ip", "netns", "exec", l.sw, "nft", "delete", "table", "bridge", "lempar").Run()
}

func (l *LAN) must(name string, args ...string) {
	l.t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		l.t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

func (l *LAN) remove() {
	for _, ns := range append(l.hosts, l.sw) {
		removeNamespace(ns)
	}
}

// removeNamespace kills what still runs in ns (only our tests start
// processes there) and deletes it; the veth pairs go with it.
func removeNamespace(ns string) {
	out, _ := exec.Command("ip", "netns", "pids", ns).Output()
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
			kill(pid)
		}
	}
	_ = exec.Command("ip", "netns", "del", ns).Run()
}

// RemoveStale deletes lempar-PID-* namespaces whose test process is gone.
func RemoveStale() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range bytes.Split(out, []byte("\n")) {
		f := strings.Fields(string(line))
		if len(f) == 0 || !strings.HasPrefix(f[0], "lempar-") {
			continue
		}
		parts := strings.SplitN(f[0], "-", 3)
		if len(parts) < 3 {
			continue
		}
		pid, err := strconv.Atoi(parts[1])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if !alive(pid) {
			removeNamespace(f[0])
		}
	}
}
