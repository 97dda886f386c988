package netns

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

const (
	envInside      = "LEMPAR_NETNS_LOOPBACK"    // set inside the namespace
	envUnavailable = "LEMPAR_NETNS_UNAVAILABLE" // why we could not get there
)

// loopbackSetup brings lo up as a multicast-capable link: the kernel leaves
// lo without MULTICAST and with no multicast route in a new namespace.
const loopbackSetup = `set -e
ip link set lo up
ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
ip -6 route add ff00::/8 dev lo table local 2>/dev/null || true
exec "$@"`

// MainInLoopback is a TestMain body: os.Exit(netns.MainInLoopback(m)).
// Outside the namespace it re-runs this test binary, with the same flags,
// inside a new one and returns its exit code; inside (or when namespaces
// are unavailable) it runs the tests itself.
func MainInLoopback(m *testing.M) int {
	if InLoopback() || os.Getenv(envUnavailable) != "" {
		return m.Run()
	}
	if reason := loopbackUnavailable(); reason != "" {
		os.Setenv(envUnavailable, reason)
		return m.Run()
	}
	args := append([]string{"-rn", "--", "sh", "-c", loopbackSetup, "sh"}, os.Args...)
	cmd := exec.Command("unshare", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envInside+"=1")
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "netns: running tests in a namespace: %v\n", err)
		return 1
	}
	return 0
}

func loopbackUnavailable() string {
	if _, err := exec.LookPath("unshare"); err != nil {
		return "unshare (util-linux) is not installed"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "ip (iproute2) is not installed"
	}
	out, err := exec.Command("unshare", "-rn", "--", "sh", "-c", "ip link set lo up").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("cannot create a user+network namespace (unshare -rn: %v: %s); as a non-root user this needs unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)", err, out)
	}
	return ""
}

// InLoopback reports whether this process runs in the namespace
// MainInLoopback made.
func InLoopback() bool { return os.Getenv(envInside) == "1" }

// RequireLoopback skips t unless it runs inside the loopback namespace, so
// that nothing multicasts on the machine's real network.
func RequireLoopback(t testing.TB) {
	t.Helper()
	if InLoopback() {
		return
	}
	reason := os.Getenv(envUnavailable)
	if reason == "" {
		reason = "the test binary was not started through netns.MainInLoopback"
	}
	t.Skipf("skipping: needs multicast on loopback in a private network namespace, and %s", reason)
}
