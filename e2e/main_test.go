// Package e2e drives the built lempar-cli binaries the way a person or a
// script would: real processes, real sockets on loopback, real files.
//
// Receivers may announce themselves by multicast, so the whole test binary
// re-executes itself inside a fresh network namespace (unshare -rn) with only
// loopback up; nothing it does can reach a real network.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/lempar/lempar/internal/testproc"
)

// cliPath is the binary under test, built once in TestMain.
var cliPath string

const nsMarker = "LEMPAR_E2E_IN_NETNS"

func TestMain(m *testing.M) {
	if os.Getenv(nsMarker) == "" {
		os.Exit(reexecInNetns())
	}
	bin := testproc.MustBuild("lempar-e2e-bin", "../cmd/lempar-cli")
	cliPath = bin.Path("lempar-cli")
	code := m.Run()
	bin.Remove()
	os.Exit(code)
}

// reexecInNetns runs this test binary again inside a new network namespace.
// If namespaces are unavailable the tests are skipped loudly rather than
// run on the real network.
func reexecInNetns() int {
	if _, err := exec.LookPath("unshare"); err != nil {
		fmt.Println("SKIP e2e: unshare not found; these tests only run inside a network namespace")
		return 0
	}
	script := `ip link set lo up && ip link set lo multicast on && (ip route add 224.0.0.0/4 dev lo || true) && exec "$@"`
	args := append([]string{"-rn", "sh", "-c", script, "sh"}, os.Args...)
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), nsMarker+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Println("SKIP e2e: cannot create a network namespace:", err)
		return 0
	}
	return 0
}
