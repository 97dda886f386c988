//go:build linux

// Package test holds end-to-end tests across several network namespaces
// joined by a bridge (internal/netns): real lempar-cli processes on a
// simulated LAN, and interop with avahi. They need root (CI runs as root)
// and skip with the reason otherwise. Debian packages: iproute2, nftables,
// avahi-daemon, avahi-utils, dbus.
package test

import (
	"fmt"
	"os"
	"testing"

	"github.com/lempar/lempar/internal/testproc"
)

// envBin names the lempar-cli binary under test; TestMain builds it once.
const envBin = "LEMPAR_TEST_CLI"

func TestMain(m *testing.M) {
	bin, err := testproc.Build("lempar-test-bin", "../cmd/lempar-cli")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(envBin, bin.Path("lempar-cli"))
	code := m.Run()
	bin.Remove()
	os.Exit(code)
}
