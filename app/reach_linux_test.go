package app

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"
)

// A firewall that drops packets makes connect hang; the check must give up
// after its timeout. Linux drops a SYN when the listener's accept queue is
// full, so a listener with backlog 0 that never accepts, once one connection
// waits in its queue, behaves like a dropping firewall, on loopback.
func TestCheckReachDroppedTimesOut(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "backlog0")
	defer f.Close()
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	filler, err := net.DialTimeout("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)).String(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer filler.Close()

	const timeout = 300 * time.Millisecond
	opts := ReachOptions{Port: port, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, OS: "linux", Firewall: noFirewall, Timeout: timeout}
	// The filler's last handshake packet may still be on its way into the
	// queue; a check that slips in before it fills the queue itself.
	var r ReachReport
	var took time.Duration
	for range 3 {
		start := time.Now()
		r = CheckReach(context.Background(), opts)
		took = time.Since(start)
		if r.State() == ReachBlocked {
			break
		}
	}
	if r.State() != ReachBlocked {
		t.Fatalf("state %v, results %+v: the full queue never dropped the check", r.State(), r.Results)
	}
	var ne net.Error
	if !errors.As(r.Results[0].Err, &ne) || !ne.Timeout() {
		t.Errorf("error %v, want a timeout", r.Results[0].Err)
	}
	if took < timeout || took > timeout+time.Second {
		t.Errorf("the check took %v, want about %v", took, timeout)
	}
}
