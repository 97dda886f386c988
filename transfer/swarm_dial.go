package transfer

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"sync"
	"time"
)

// A member dials its predecessor in the ring (and further ones while the
// nearer are down) and pulls pieces over the links it dialled
// (swarm_doc.go, "Links").

// dialLoop keeps a link to member j up until ctx ends (upstream): it
// pulls pieces there.
func (mb *member) dialLoop(ctx context.Context, j int) {
	backoff := 200 * time.Millisecond
	start, linkedOnce := time.Now(), false
	for ctx.Err() == nil {
		mb.mu.Lock()
		gone := mb.dropped[j]
		mb.mu.Unlock()
		if gone {
			return
		}
		ss, err := mb.dial(j)
		up, joining := false, false
		if err == nil {
			l := newLink(mb, ss, j, true)
			stop := context.AfterFunc(ctx, l.close)
			mb.runLink(l)
			stop()
			up = l.wasUp
			// Refused before it ever took a link: it has not joined yet
			// (not gone; else its pieces would be fetched from the
			// sender, which pushes them to it anyway).
			joining = l.refused && !linkedOnce && time.Since(start) < joinGrace
		}
		if up {
			linkedOnce = true
			backoff = 200 * time.Millisecond
		} else if !joining {
			mb.mu.Lock()
			if !mb.linkedLocked(j) && mb.gone[j].IsZero() {
				mb.gone[j] = time.Now() // unreachable, or it refused us
			}
			mb.mu.Unlock()
		}
		if joining {
			// It will take the link as soon as its manifest is in: the
			// ring downstream of this member waits for that moment.
			backoff = joinRetry
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if !joining {
			backoff = min(2*backoff, 2*time.Second)
		}
	}
}

func (mb *member) dial(j int) (*session, error) {
	peer := mb.m.Members[j]
	ctx, cancel := context.WithTimeout(mb.ctx, HandshakeTimeout)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", memberDialAddr(peer.Addr, mb.zone))
	if err != nil {
		return nil, err
	}
	tc := tls.Client(raw, mb.srv.Identity.ClientTLS(peer.ID))
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	ss := newSession(tc)
	if err := ss.afterHandshake(); err != nil {
		raw.Close()
		return nil, err
	}
	h := mb.srv.Hello()
	h.Swarm = mb.m.Swarm
	if _, err := exchangeHello(ss, helloFor(h), true); err != nil {
		raw.Close()
		return nil, err
	}
	return ss, nil
}

// memberDialAddr is where this member dials a member the sender listed at
// addr. An IPv6 link-local address is only meaningful with a zone, and the
// zone in the manifest is the sender's interface name (its "eth0" may be
// our "wlp2s0"): it is replaced by the zone we reach the sender through,
// the link all members share.
func memberDialAddr(addr, zone string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || zone == "" || !ap.Addr().Is6() || !ap.Addr().IsLinkLocalUnicast() {
		return addr
	}
	return netip.AddrPortFrom(ap.Addr().WithZone(zone), ap.Port()).String()
}

// joinRetry is how soon a member that refused as not yet joined is dialled
// again.
const joinRetry = 100 * time.Millisecond

// upstreamGrace is how long the members nearer before this one in the
// ring may all be unlinked before it links to the next one back too.
const upstreamGrace = 2 * time.Second

// upstream keeps this member linked to the members it pulls from: its
// predecessor in the ring, and each one further back while every nearer
// one is down (swarm_doc.go, "Schedule"). Once a nearer one is linked
// again, the links further back are closed: each member that serves a
// link pushes the whole ring's pieces on it, so two upstream links would
// bring every piece twice.
func (mb *member) upstream(wg *sync.WaitGroup) {
	cancels := make([]context.CancelFunc, len(mb.m.Members))
	defer func() {
		for _, c := range cancels {
			if c != nil {
				c()
			}
		}
	}()
	t := time.NewTicker(upstreamGrace / 4)
	defer t.Stop()
	for {
		mb.mu.Lock()
		want := true
		for d := mb.pred(mb.m.You); d != mb.m.You; d = mb.pred(d) {
			switch {
			case want && cancels[d] == nil && !mb.dropped[d]:
				ctx, cancel := context.WithCancel(mb.ctx)
				cancels[d] = cancel
				wg.Go(func() { mb.dialLoop(ctx, d) })
			case !want && cancels[d] != nil:
				cancels[d]()
				cancels[d] = nil
			}
			if !mb.downLocked(d) {
				want = false
			}
		}
		mb.mu.Unlock()
		select {
		case <-mb.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// downLocked: member d was dropped, or has been unreachable for
// upstreamGrace (its link dropped, or a dial failed or was refused). One
// still being dialled, or still joining, is not down.
func (mb *member) downLocked(d int) bool {
	if mb.dropped[d] {
		return true
	}
	if mb.outs[d] != nil || mb.gone[d].IsZero() {
		return false
	}
	return time.Since(mb.gone[d]) >= upstreamGrace
}
