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
	"os/exec"
	"path/filepath"
	"testing"
)

// envBin names the lempar-cli binary under test; TestMain builds it once.
const envBin = "LEMPAR_TEST_CLI"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lempar-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin := filepath.Join(dir, "lempar-cli")
	build := exec.Command("go", "build", "-o", bin, "../cmd/lempar-cli")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building lempar-cli:", err)
		os.Exit(1)
	}
	os.Setenv(envBin, bin)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
