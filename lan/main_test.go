// Package lan is the emulated-LAN suite: real lempar-cli processes on hosts
// in network namespaces (internal/netns), with links shaped by tc and
// nftables the way Wi-Fi behaves — limited rate, random loss, drops — and
// with full disks, many senders and offer floods; and a switched LAN of
// links shaped both ways where one sender sends to a room (the swarm:
// swarm_test.go, and its benchmark swarm_bench_test.go).
//
// It needs root (ip netns, tc, nft, mount) and takes minutes, so it runs
// only when LEMPAR_LAN=1 (make lan); otherwise every test skips and says
// why. The test binary re-runs itself in a private mount namespace with its
// own /run/netns, so its namespaces and mounts are invisible to the rest of
// the machine and vanish with it. Nothing leaves the namespaces the tests
// create: receivers are hidden and senders address them by IP, and any
// multicast the discovery code sends stays on the test's own bridge.
//
// Figures are logged as "FIGURE ..." lines (go test -v).
//
// lan/discovery holds the quicker discovery and avahi tests on the same kind
// of LAN; they are not gated by LEMPAR_LAN and run with the rest of go test.
//
// Knobs (environment):
//
//	LEMPAR_LAN=1                 run the suite
//	LEMPAR_LAN_SIZE=1GiB         size of the Wi-Fi-like transfer (default 1GiB)
//	LEMPAR_LAN_RUNS=3            alternating runs per side for its medians
//	LEMPAR_LAN_MANY_RUNS=2       rounds of the 8-sender comparison
//	LEMPAR_LAN_MANY_RATE=300mbit the receiver's link there ("none": unshaped)
//	LEMPAR_SOAK=1                also run the soak
//	LEMPAR_SOAK_DURATION=10m     how long the soak sends
//	LEMPAR_SWARM_SIZE=32MiB      the file of the swarm tests (swarm_test.go)
//	LEMPAR_SWARM_TRACE=1         log every receiver's final event of a swarm send
//	LEMPAR_SWARM_BENCH=1         run the swarm benchmark (make swarm-bench;
//	                             its knobs are in swarm_bench_test.go)
package lan

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/lempar/lempar/internal/testproc"
)

const (
	envEnable = "LEMPAR_LAN"
	// envHelper turns the test binary into a small network tool run on a
	// LAN host (see helper_test.go).
	envHelper = "LEMPAR_LAN_HELPER"
	// envNetnsHost is set by netns.LAN.Command on everything it starts.
	envNetnsHost = "LEMPAR_NETNS_HOST"
	// envPrivate marks the test binary re-run in its own mount namespace.
	envPrivate = "LEMPAR_LAN_PRIVATE_MOUNTS"
)

// suite is what TestMain prepared; tests read it, nothing writes it after.
type suite struct {
	cli  string // the lempar-cli binary under test
	skip string // why the suite does not run here ("" = it does)
}

// the is filled once by TestMain before any test starts.
var the suite

func TestMain(m *testing.M) {
	if what := os.Getenv(envHelper); what != "" {
		os.Exit(helper(what))
	}
	if ns := os.Getenv(envNetnsHost); ns != "" {
		fmt.Println("lan tests started on LAN host", ns, "without a helper; refusing to recurse")
		os.Exit(3)
	}
	the.skip = prerequisites()
	if the.skip != "" {
		os.Exit(m.Run())
	}
	if os.Getenv(envPrivate) == "" {
		os.Exit(reexecPrivate())
	}
	bin := testproc.MustBuild("lempar-lan-bin", "../cmd/lempar-cli")
	the.cli = bin.Path("lempar-cli")
	code := m.Run()
	bin.Remove()
	os.Exit(code)
}

// privateSetup gives the suite its own /run/netns and mount table: the
// namespaces it names, and the tmpfs it mounts, are invisible to everyone
// else and vanish with it, and namespaces others made by hand (even ones
// named like a crashed test's) are never seen, so never cleaned up.
const privateSetup = `set -e
mkdir -p /run/netns
mount -t tmpfs lempar-lan-netns /run/netns
exec "$@"`

// reexecPrivate runs this test binary again inside a new mount namespace
// and returns its exit code.
func reexecPrivate() int {
	args := append([]string{"--mount", "--propagation", "private", "--", "sh", "-c", privateSetup, "sh"}, os.Args...)
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), envPrivate+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "lan: running the suite in a private mount namespace:", err)
		return 1
	}
	return 0
}

// prerequisites says why the suite can't run here, or "".
func prerequisites() string {
	if os.Getenv(envEnable) != "1" {
		return "the emulated-LAN suite runs with LEMPAR_LAN=1 (make lan, as root)"
	}
	if os.Geteuid() != 0 {
		return "the emulated-LAN suite needs root (ip netns, tc, nft, mount)"
	}
	for _, tool := range []string{"ip", "tc", "nft", "ss", "mount", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not installed (Debian: apt-get install -y iproute2 nftables mount util-linux)"
		}
	}
	return ""
}

// requireSuite skips t unless the suite runs here.
func requireSuite(t *testing.T) {
	t.Helper()
	if the.skip != "" {
		t.Skip("skipping: " + the.skip)
	}
}
