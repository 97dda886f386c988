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

// probeAll tries every address at once and reports the first that answers,
// so a peer with a dead IPv6 address and a live IPv4 one costs one round
// trip, not a timeout.
func probeAll(ctx context.Context, probe func(context.Context, netip.AddrPort) error, addrs []netip.AddrPort) (netip.AddrPort, bool) {
	if len(addrs) == 0 {
		return netip.AddrPort{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	res := make(chan netip.AddrPort, len(addrs))
	for _, a := range addrs {
		go func() {
			if probe(ctx, a) == nil {
				res <- a
				return
			}
			res <- netip.AddrPort{}
		}()
	}
	for range addrs {
		if a := <-res; a.IsValid() {
			return a, true
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
