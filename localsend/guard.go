package localsend

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// Limits that keep a flood from taking the receiver's memory or its port
// (issue 13, items 3 and 4). Every one applies before anyone is asked.
const (
	maxConns         = 128 // open connections in all (see sniffListener)
	maxConnsPerAddr  = 8   // open connections from one address
	maxBodiesPerAddr = 2   // offer and register bodies read at once from one address
	// freeBody bytes of each body are read without taking from the budget:
	// a usual offer (a few hundred files) fits, so a known phone's offer is
	// never refused because strangers' large bodies hold the budget. At
	// most maxConns bodies are read at once, so this is bounded too.
	freeBody = 64 << 10
	// offerBudget bounds the body bytes held by bodies being read and by
	// offers waiting for a decision, together; over it the sender hears 429.
	offerBudget = 12 << 20
	// bodyTimeout is how long an offer or register body may take to
	// arrive, plus a second per bodyRate bytes it announces: a slow body
	// can't hold a connection, a slot or the budget for long.
	bodyTimeout = 10 * time.Second
	bodyRate    = 512 << 10
	// proveTimeout bounds the call back that checks a fingerprint claim.
	proveTimeout = 3 * time.Second
	// provenFor is how long a proven (address, port, fingerprint) stays
	// proven for register answers, so a device answering our announcements
	// every 30 s isn't called back each time. Offers are always proven
	// afresh: they are what auto-accept decides on.
	provenFor = 2 * time.Minute
	maxProven = 512
)

var (
	errBodyTooLarge = errors.New("body is too large")
	errBodyBusy     = errors.New("too many offers are being read")
)

// enter counts a body being read from ip, or reports that ip already has
// maxBodiesPerAddr of them.
func (s *Service) enter(ip netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reading[ip] >= maxBodiesPerAddr {
		return false
	}
	s.reading[ip]++
	return true
}

func (s *Service) leave(ip netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reading[ip]--; s.reading[ip] <= 0 {
		delete(s.reading, ip)
	}
}

// take reserves n bytes of the offer budget.
func (s *Service) take(n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held+n > offerBudget {
		return false
	}
	s.held += n
	return true
}

func (s *Service) give(n int64) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	s.held -= n
	s.mu.Unlock()
}

// readBody reads a request body of at most max bytes within its deadline.
// Bytes past freeBody come from the offer budget; held is what was taken
// and must be given back (s.give) once the body or the offer made of it is
// no longer kept.
func (s *Service) readBody(w http.ResponseWriter, r *http.Request, max int64) (b []byte, held int64, err error) {
	rc := http.NewResponseController(w)
	limit := bodyTimeout
	if r.ContentLength > 0 {
		limit += time.Duration(r.ContentLength/bodyRate) * time.Second
	}
	_ = rc.SetReadDeadline(time.Now().Add(limit))
	// Cleared afterwards: the server's background read while the person
	// decides must not hit it (it would end the request as cancelled).
	defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
	fail := func(e error) ([]byte, int64, error) {
		s.give(held)
		return nil, 0, e
	}
	grow := func(capacity int64) bool {
		if need := capacity - freeBody - held; need > 0 {
			if !s.take(need) {
				return false
			}
			held += need
		}
		return true
	}
	if r.ContentLength > max {
		return fail(errBodyTooLarge)
	}
	if r.ContentLength > 0 {
		if !grow(r.ContentLength) {
			return fail(errBodyBusy)
		}
		b = make([]byte, 0, r.ContentLength)
	}
	var chunk [32 << 10]byte
	for {
		n, rerr := r.Body.Read(chunk[:])
		if n > 0 {
			if int64(len(b)+n) > max {
				return fail(errBodyTooLarge)
			}
			if len(b)+n > cap(b) {
				// A body of unknown length grows by doubling; what it may
				// grow to is taken first.
				next := min(max, int64(2*cap(b)+n))
				if !grow(next) {
					return fail(errBodyBusy)
				}
				nb := make([]byte, len(b), next)
				copy(nb, b)
				b = nb
			}
			b = append(b, chunk[:n]...)
		}
		if rerr == io.EOF {
			return b, held, nil
		}
		if rerr != nil {
			return fail(rerr)
		}
	}
}

// refuseBody answers a request whose body won't be read: the connection is
// closed after the answer, so the server doesn't wait for that body.
func refuseBody(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Connection", "close")
	fail(w, status, msg)
}

// bodyStatus is the answer to a body readBody refused.
func bodyStatus(err error) (int, string) {
	switch {
	case errors.Is(err, errBodyBusy):
		return http.StatusTooManyRequests, "Too many requests"
	case errors.Is(err, errBodyTooLarge):
		return http.StatusBadRequest, "Invalid body"
	}
	return http.StatusBadRequest, "Invalid body"
}

// prove checks a fingerprint a peer claims without showing a certificate:
// it calls back the request's own source address at the peer's announced
// port over HTTPS, and the certificate that answers there must hash to the
// claim (newClient refuses any other). Only certificate hashes can be
// proven; HTTP-mode tokens can't.
func (s *Service) prove(ctx context.Context, ip netip.Addr, port int, fp string, cached bool) bool {
	if !isHex64(fp) {
		return false
	}
	if port <= 0 || port > 65535 {
		port = DefaultPort
	}
	at := netip.AddrPortFrom(ip, uint16(port))
	key := at.String() + "/" + PeerID(fp)
	now := time.Now()
	s.mu.Lock()
	t, ok := s.proven[key]
	s.mu.Unlock()
	if cached && ok && now.Sub(t) < provenFor {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, proveTimeout)
	defer cancel()
	c := newClient(s.cfg.Identity, fp, 1, nil)
	c.Transport.(*http.Transport).DisableKeepAlives = true
	defer c.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint("https", at.String(), apiV2+"info", nil), nil)
	if err != nil {
		return false
	}
	resp, err := c.Do(req)
	if err != nil {
		s.logf("localsend: %s claims fingerprint %s… but its port %s didn't prove it: %v", ip, fp[:8], strconv.Itoa(port), err)
		return false
	}
	resp.Body.Close() // any answer will do: the TLS handshake was the proof
	s.mu.Lock()
	if len(s.proven) >= maxProven {
		for k, t := range s.proven {
			if now.Sub(t) >= provenFor || len(s.proven) >= maxProven {
				delete(s.proven, k)
			}
		}
	}
	s.proven[key] = now
	s.mu.Unlock()
	return true
}

// identify is who a request's sender is: its client certificate when it
// shows one (a claim in the JSON doesn't matter then), else the claimed
// fingerprint, proven by calling back or marked unverified.
func (s *Service) identify(ctx context.Context, r *http.Request, ip netip.Addr, d *DeviceInfo, cached bool) (fingerprint string, verified bool) {
	if fp := certFingerprint(r); fp != "" {
		return fp, true
	}
	return d.Fingerprint, s.prove(ctx, ip, d.Port, d.Fingerprint, cached)
}
