package transfer

import (
	"context"
	"crypto/tls"
	"errors"
	"net"

	"github.com/lempar/lempar/internal/errcode"
)

// Probe connects to a receiver, exchanges hellos and hangs up: who is at
// this address? It backs "add by address" and reachability checks. pin, if
// set, must match the certificate.
func Probe(ctx context.Context, id *Identity, addr, pin string, ours Hello) (PeerInfo, error) {
	hctx, cancel := context.WithTimeout(ctx, HandshakeTimeout)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(hctx, "tcp", addr)
	if err != nil {
		return PeerInfo{}, newErr(errcode.Unreachable, err, "Name", addr, "Addr", addr)
	}
	defer raw.Close()
	tc := tls.Client(raw, id.ClientTLS(pin))
	if err := tc.HandshakeContext(hctx); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return PeerInfo{}, e
		}
		return PeerInfo{}, newErr(errcode.Handshake, err, "Name", addr, "Addr", addr)
	}
	ss := newSession(tc)
	if err := ss.afterHandshake(); err != nil {
		return PeerInfo{}, err
	}
	ours = helloFor(ours)
	ours.Probe = true
	if _, err := exchangeHello(ss, ours, true); err != nil {
		return PeerInfo{}, err
	}
	ss.peer.Addr = addr
	return ss.peer, nil
}
