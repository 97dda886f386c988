//go:build linux

// Package test holds end-to-end tests across several network namespaces
// joined by a bridge (internal/netns): real lempar-cli processes on a
// simulated LAN, and interop with avahi. They need root (CI runs as root)
// and skip with the reason otherwise. Debian packages: iproute2, nftables,
// avahi-daemon, avahi-utils, dbus.
package test

import (
	"os"
	"testing"

	"github.com/lempar/lempar/internal/testproc"
)

// envBin names the lempar-cli binary under test; TestMain builds it once.
const envBin = "LEMPAR_TEST_CLI"

func TestMain(m *testing.M) {
	bin := testproc.MustBuild("lempar-test-bin", "../cmd/lempar-cli")
	os.Setenv(envBin, bin.Path("lempar-cli"))
	code := m.Run()
	bin.Remove()
	os.Exit(code)
}
