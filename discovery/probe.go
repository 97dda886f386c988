package discovery

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// dialProbe is the default probe: a TCP connect to the engine, closed at
// once. It proves the engine's port is open without a TLS handshake.
func dialProbe(ctx context.Context, addr netip.AddrPort) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return err
	}
	return c.Close()
}

// probeStagger is how long probeAll waits for an address before trying
// the next as well (Happy Eyeballs, RFC 8305): on a LAN the best address
// answers well within it, so a peer costs one connection, not one per
// address, and a dead address delays the next by this much at most.
const probeStagger = 150 * time.Millisecond

// probeAll tries the addresses in order (best first), starting the next
// when one fails or probeStagger passes without an answer, and reports the
// first that answers; so a peer with a dead IPv6 address and a live IPv4
// one costs a round trip or two, not a timeout.
func probeAll(ctx context.Context, probe func(context.Context, netip.AddrPort) error, addrs []netip.AddrPort) (netip.AddrPort, bool) {
	if len(addrs) == 0 {
		return netip.AddrPort{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	res := make(chan netip.AddrPort, len(addrs))
	started := 0
	next := func() {
		a := addrs[started]
		started++
		go func() {
			if probe(ctx, a) == nil {
				res <- a
				return
			}
			res <- netip.AddrPort{}
		}()
	}
	next()
	stagger := time.NewTimer(probeStagger)
	defer stagger.Stop()
	for done := 0; done < len(addrs); {
		select {
		case a := <-res:
			done++
			if a.IsValid() {
				return a, true
			}
			if started < len(addrs) {
				next()
				stagger.Reset(probeStagger)
			}
		case <-stagger.C:
			if started < len(addrs) {
				next()
				stagger.Reset(probeStagger)
			}
		case <-ctx.Done():
			return netip.AddrPort{}, false
		}
	}
	return netip.AddrPort{}, false
}

// probeSlot reserves the next probe start and returns how long to wait for
// it.
func (w *worker) probeSlot(now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	at := now
	if w.nextProbe.After(at) {
		at = w.nextProbe
	}
	w.nextProbe = at.Add(probeGap)
	return at.Sub(now)
}
