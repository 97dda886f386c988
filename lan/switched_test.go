package lan

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/lempar/lempar/internal/netns"
)

// A switched LAN of full-duplex links: every host's cable is shaped in both
// directions, on the host's eth0 (what it uploads) and on its switch port
// (what it downloads), so no host, the sender included, can push or take
// more than its link's rate, and two hosts talking don't slow a third.
//
// tbf's parameters, for 100 Mbit/s:
//   - burst 128 KiB, about 10 ms at line rate: large enough that a 64 KiB
//     GSO frame from the veth passes whole (tbf would otherwise cut it up
//     and cost CPU this 2-core machine can't spare), small enough that
//     every ~10 ms average is the link's rate, so a transfer of seconds
//     measures the rate, not the bucket;
//   - latency 20 ms of queue (250 KB at 100 Mbit/s): about what a switch
//     port buffers, several times the round trip on a LAN (well under a
//     millisecond here), so TCP fills the link without the 50 ms
//     access-point queue the Wi-Fi tests use.
const (
	switchedBurst   = "128kb"
	switchedLatency = "20ms"
)

// switchedLAN builds n hosts whose links are each limited to rate (e.g.
// "100mbit") both ways.
func switchedLAN(t testing.TB, n int, rate string) *netns.LAN {
	t.Helper()
	l := netns.New(t, n)
	for h := range n {
		inNS(t, l.Namespace(h), "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", rate, "burst", switchedBurst, "latency", switchedLatency)
		inNS(t, l.Switch(), "tc", "qdisc", "replace", "dev", l.SwitchPort(h), "root", "tbf", "rate", rate, "burst", switchedBurst, "latency", switchedLatency)
	}
	return l
}

// portBytes reads a byte counter of host h's switch port: "rx_bytes" is
// what host h sent into the switch (its uplink), "tx_bytes" what the switch
// delivered to it. Counted by the kernel at the port, so it includes every
// protocol's headers and retransmissions, whatever the programs report.
func portBytes(t testing.TB, l *netns.LAN, h int, counter string) int64 {
	t.Helper()
	path := "/sys/class/net/" + l.SwitchPort(h) + "/statistics/" + counter
	out, err := exec.Command("ip", "netns", "exec", l.Switch(), "cat", path).Output()
	if err != nil {
		t.Fatalf("reading %s in the switch: %v", path, err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}
