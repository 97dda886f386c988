package lan

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lempar/lempar/internal/netns"
)

// The kernel here has no netem; tbf limits rate (with a queue worth 50 ms,
// like an access point's) and nftables' random numbers drop packets.

// inNS runs a command in namespace ns and fails the test if it fails.
func inNS(t testing.TB, ns string, args ...string) {
	t.Helper()
	full := append([]string{"netns", "exec", ns}, args...)
	if out, err := exec.Command("ip", full...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(full, " "), err, out)
	}
}

// shapeHost limits what host h sends (its eth0 egress) to rate, e.g.
// "300mbit".
func shapeHost(t testing.TB, l *netns.LAN, h int, rate string) {
	t.Helper()
	inNS(t, l.Namespace(h), "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", rate, "burst", "256kb", "latency", "50ms")
}

// onePacketAtATime stops host h's TCP from handing 64 KiB GSO bundles to
// eth0: a veth passes those through whole, so a loss rule on the other side
// would drop dozens of segments at once, where Wi-Fi loses single frames.
func onePacketAtATime(t testing.TB, l *netns.LAN, h int) {
	t.Helper()
	inNS(t, l.Namespace(h), "ip", "link", "set", "dev", "eth0", "gso_max_segs", "1")
}

// shapeToHost limits what reaches host h (its switch port's egress), so
// several senders share one bottleneck, as on one access point.
func shapeToHost(t testing.TB, l *netns.LAN, h int, rate string) {
	t.Helper()
	inNS(t, l.Switch(), "tc", "qdisc", "replace", "dev", l.SwitchPort(h), "root", "tbf", "rate", rate, "burst", "256kb", "latency", "50ms")
}

// lossRules drops perMille/1000 of the packets host h receives.
const lossRules = `table inet lempar_loss {
	chain input {
		type filter hook input priority 0; policy accept;
		iifname "eth0" numgen random mod 1000 < %PERMILLE% counter drop
	}
}
`

// dropIncoming makes host h lose perMille of 1000 incoming packets at
// random, in an input chain inside its namespace.
func dropIncoming(t testing.TB, l *netns.LAN, h int, perMille int) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", l.Namespace(h), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(strings.ReplaceAll(lossRules, "%PERMILLE%", strconv.Itoa(perMille)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
}

// setLink plugs (up) or unplugs (down) host h's cable at the switch; the
// host sees its eth0 lose carrier, as when Wi-Fi drops.
func setLink(t testing.TB, l *netns.LAN, h int, up bool) {
	t.Helper()
	state := "down"
	if up {
		state = "up"
	}
	inNS(t, l.Switch(), "ip", "link", "set", l.SwitchPort(h), state)
}

// nsOutput runs a command in namespace ns and returns its output.
func nsOutput(ns string, args ...string) string {
	out, _ := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...).CombinedOutput()
	return string(out)
}

var packetsRe = regexp.MustCompile(`counter packets (\d+)`)

// droppedPackets is how many packets dropIncoming's rule dropped on host h.
func droppedPackets(l *netns.LAN, h int) int64 {
	m := packetsRe.FindStringSubmatch(nsOutput(l.Namespace(h), "nft", "list", "table", "inet", "lempar_loss"))
	if m == nil {
		return -1
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}
