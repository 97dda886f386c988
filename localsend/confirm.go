package localsend

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"time"
)

// maxConfirming bounds the offers' senders being checked at once (see
// listSender); more are simply not listed, which costs nothing but a
// later announcement.
const maxConfirming = 4

// listSender lists the device that sent an offer, but only once /info at
// the address and port its info names answers as that device: the info
// of a prepare-upload is the sender's word, and a sender-only client (a
// CLI naming a port it doesn't serve) or a forged info would otherwise be
// listed as a device no send can reach. An HTTPS sender must have proven
// its fingerprint (certificate or call-back) and its port must show that
// certificate; an HTTP-mode sender's /info must carry its token. It runs
// in the background, so the person isn't kept waiting; Serve waits for it.
func (s *Service) listSender(ip netip.Addr, info DeviceInfo, fp string, verified bool) {
	if info.Port <= 0 || (info.Protocol == "https" && !verified) {
		return
	}
	if s.confirmN.Add(1) > maxConfirming {
		s.confirmN.Add(-1)
		return
	}
	s.confirming.Add(1)
	go func() {
		defer s.confirming.Done()
		defer s.confirmN.Add(-1)
		ctx, cancel := context.WithTimeout(context.Background(), proveTimeout)
		defer cancel()
		info.Fingerprint = fp
		if info.Protocol == "https" {
			if !s.prove(ctx, ip, info.Port, fp, true) {
				return
			}
			dev := deviceFrom(&info, ip, time.Now())
			dev.Proven = true // its port showed the certificate just now
			s.seen(dev)
			return
		}
		if d, ok := s.infoHTTP(ctx, netip.AddrPortFrom(ip, uint16(info.Port))); ok && sameFingerprint(d.Fingerprint, fp) {
			s.seen(deviceFrom(&info, ip, time.Now()))
		}
	}()
}

// infoHTTP asks a device's plain HTTP port who it is.
func (s *Service) infoHTTP(ctx context.Context, at netip.AddrPort) (DeviceInfo, bool) {
	var d DeviceInfo
	c := newClient(s.cfg.Identity, "", 1, nil)
	c.Transport.(*http.Transport).DisableKeepAlives = true
	defer c.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint("http", at.String(), apiV2+"info", nil), nil)
	if err != nil {
		return d, false
	}
	resp, err := c.Do(req)
	if err != nil {
		return d, false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxInfoJSON))
	if err != nil || resp.StatusCode != http.StatusOK || decodeBytes(b, &d) != nil || d.check(false) != nil {
		return d, false
	}
	return d, true
}
