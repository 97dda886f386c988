//go:build linux

// Package discovery tests mDNS discovery end to end on a LAN of network
// namespaces joined by a bridge (internal/netns): real lempar-cli processes
// list, lose and address each other by name, and interoperate with avahi.
//
// Unlike the rest of lan/, these tests are quick and not gated by
// LEMPAR_LAN: `go test ./...` (make test-race) runs them. They need root
// (ip netns; CI runs as root) and skip with the reason otherwise. Debian
// packages: iproute2, nftables, avahi-daemon, avahi-utils, dbus.
package discovery

import (
	"os"
	"testing"

	"github.com/lempar/lempar/internal/testproc"
)

// envBin names the lempar-cli binary under test; TestMain builds it once.
const envBin = "LEMPAR_TEST_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(envBare) == "1" {
		bareMDNS()
		return
	}
	bin := testproc.MustBuild("lempar-discovery-bin", "../../cmd/lempar-cli")
	os.Setenv(envBin, bin.Path("lempar-cli"))
	code := m.Run()
	bin.Remove()
	os.Exit(code)
}
