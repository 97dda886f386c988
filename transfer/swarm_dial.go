package transfer

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"time"
)

// A member dials every other member of its swarm and pulls pieces over
// the links it dialled (swarm_doc.go, "Links").

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
