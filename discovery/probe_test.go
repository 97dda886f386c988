package discovery

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// TestProbeAllOneConnectionPerPeer: the best address is tried alone; the
// next only when it fails or stays silent for probeStagger.
func TestProbeAllOneConnectionPerPeer(t *testing.T) {
	v4 := netip.MustParseAddrPort("10.0.0.2:7313")
	ll := netip.MustParseAddrPort("[fe80::2%eth0]:7313")
	var mu sync.Mutex
	var tried []netip.AddrPort
	probe := func(behave map[netip.AddrPort]string) func(context.Context, netip.AddrPort) error {
		return func(ctx context.Context, a netip.AddrPort) error {
			mu.Lock()
			tried = append(tried, a)
			mu.Unlock()
			switch behave[a] {
			case "ok":
				return nil
			case "silent":
				<-ctx.Done()
				return ctx.Err()
			}
			return errors.New("refused")
		}
	}
	run := func(behave map[netip.AddrPort]string) (netip.AddrPort, bool, time.Duration, []netip.AddrPort) {
		mu.Lock()
		tried = nil
		mu.Unlock()
		start := time.Now()
		best, ok := probeAll(context.Background(), probe(behave), []netip.AddrPort{v4, ll})
		took := time.Since(start)
		mu.Lock()
		defer mu.Unlock()
		return best, ok, took, append([]netip.AddrPort(nil), tried...)
	}

	if best, ok, _, tried := run(map[netip.AddrPort]string{v4: "ok", ll: "ok"}); !ok || best != v4 || len(tried) != 1 {
		t.Fatalf("both alive: %v %v, tried %v (want only the first)", best, ok, tried)
	}
	if best, ok, took, tried := run(map[netip.AddrPort]string{ll: "ok"}); !ok || best != ll || len(tried) != 2 || took >= probeStagger {
		t.Fatalf("first refused: %v %v after %v, tried %v (want the second at once)", best, ok, took, tried)
	}
	best, ok, took, tried := run(map[netip.AddrPort]string{v4: "silent", ll: "ok"})
	if !ok || best != ll || len(tried) != 2 || took < probeStagger || took >= probeTimeout {
		t.Fatalf("first silent: %v %v after %v, tried %v (want the second after %v)", best, ok, took, tried, probeStagger)
	}
	if _, ok, took, _ := run(map[netip.AddrPort]string{v4: "silent", ll: "silent"}); ok || took > probeTimeout+time.Second {
		t.Fatalf("both silent: %v after %v", ok, took)
	}
}
