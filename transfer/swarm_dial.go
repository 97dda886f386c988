package transfer

import (
	"cmp"
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

// dialLoop keeps a link to member j up while this member runs: it pulls
// pieces there.
func (mb *member) dialLoop(j int) {
	backoff := 200 * time.Millisecond
	start, linkedOnce := time.Now(), false
	for mb.ctx.Err() == nil {
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
			mb.runLink(l)
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
		t := time.NewTimer(backoff)
		select {
		case <-mb.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, 2*time.Second)
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

// upstreamGrace is how long the members nearer before this one in the
// ring may all be unlinked before it links to the next one back too.
const upstreamGrace = 2 * time.Second

// upstream keeps this member linked to the members it pulls from: its
// predecessor in the ring, and each one further back while every nearer
// one has been down for upstreamGrace (swarm_doc.go, "Schedule"). A link
// once wanted keeps being dialled (dialLoop) until the member stops.
func (mb *member) upstream(wg *sync.WaitGroup) {
	dialling := make([]bool, len(mb.m.Members))
	t := time.NewTicker(upstreamGrace / 4)
	defer t.Stop()
	for {
		mb.mu.Lock()
		var start []int
		for d := mb.pred(mb.m.You); d != mb.m.You; d = mb.pred(d) {
			if !dialling[d] && !mb.dropped[d] {
				dialling[d] = true
				start = append(start, d)
			}
			if !mb.downLocked(d) {
				break
			}
		}
		mb.mu.Unlock()
		for _, d := range start {
			wg.Go(func() { mb.dialLoop(d) })
		}
		select {
		case <-mb.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// downLocked: member d was dropped, or has not been linked for
// upstreamGrace (since its link dropped or a dial failed, or since this
// member started if it never linked).
func (mb *member) downLocked(d int) bool {
	if mb.dropped[d] {
		return true
	}
	if mb.outs[d] != nil {
		return false
	}
	return time.Since(cmp.Or(mb.gone[d], mb.started)) >= upstreamGrace
}
