package transfer

// Following a receiver to a new address. A dropped transfer is retried
// where the device is now, not where it was: a receiver that roamed to
// another Wi-Fi access point, got a new DHCP lease or moved from Wi-Fi to a
// cable answers at another address, and its old one answers nobody (or
// someone else: the peer's ID stays pinned, so only the same device can
// continue the session).

import (
	"context"
	"net"
	"slices"
	"time"

	"github.com/lempar/lempar/internal/errcode"
)

const (
	// resolvePoll is how often Resolve is asked again while a retry waits
	// (backoff, or a dial to an address that may be gone).
	resolvePoll = 250 * time.Millisecond
	// maxCandidates bounds the addresses dialled at once in a retry.
	maxCandidates = 8
)

// candidates are the addresses a retry dials: what Resolve says now, best
// first, then the address that worked last (it may still be right while
// discovery has not heard the device yet).
func (s *sender) candidates(ctx context.Context) []string {
	var out []string
	if s.opt.Resolve != nil {
		out = s.opt.Resolve(ctx, s.opt.PeerID)
	}
	out = append(slices.Clone(out), s.opt.Addr)
	seen := map[string]bool{}
	uniq := out[:0]
	for _, a := range out {
		if a != "" && !seen[a] {
			seen[a] = true
			uniq = append(uniq, a)
		}
	}
	if len(uniq) > maxCandidates {
		uniq = uniq[:maxCandidates]
	}
	return uniq
}

// newAddress reports whether Resolve now names an address not in tried.
func (s *sender) newAddress(ctx context.Context, tried map[string]bool) bool {
	if s.opt.Resolve == nil {
		return false
	}
	for _, a := range s.opt.Resolve(ctx, s.opt.PeerID) {
		if a != "" && !tried[a] {
			return true
		}
	}
	return false
}

// backoff waits d before the next attempt, or less: when Resolve names an
// address the last attempt did not try, the device has moved and is worth
// trying at once.
func (s *sender) backoff(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	var poll <-chan time.Time
	if s.opt.Resolve != nil {
		tk := time.NewTicker(resolvePoll)
		defer tk.Stop()
		poll = tk.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		case <-poll:
			if s.newAddress(ctx, s.tried) {
				return nil
			}
		}
	}
}

// dial connects to the receiver. The first attempt goes to opt.Addr, as
// the caller resolved it. A retry dials every candidate at once and keeps
// asking Resolve while those dials wait, so an address that appears
// mid-dial (the device came back elsewhere) is dialled too; the first
// connection wins. opt.Addr becomes the address that answered.
func (s *sender) dial(ctx context.Context) (net.Conn, error) {
	if s.attempt == 0 || s.opt.Resolve == nil {
		s.tried = map[string]bool{s.opt.Addr: true}
		dctx, cancel := context.WithTimeout(ctx, HandshakeTimeout)
		defer cancel()
		var d net.Dialer
		c, err := d.DialContext(dctx, "tcp", s.opt.Addr)
		if err != nil {
			return nil, s.unreachable(ctx, err)
		}
		return c, nil
	}
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		c    net.Conn
		addr string
		err  error
	}
	results := make(chan result)
	s.tried = map[string]bool{}
	inFlight := 0
	start := func(addrs []string) {
		for _, a := range addrs {
			if s.tried[a] || len(s.tried) >= 4*maxCandidates {
				continue
			}
			s.tried[a] = true
			inFlight++
			go func() {
				actx, acancel := context.WithTimeout(dctx, HandshakeTimeout)
				defer acancel()
				var d net.Dialer
				c, err := d.DialContext(actx, "tcp", a)
				select {
				case results <- result{c, a, err}:
				case <-dctx.Done():
					if c != nil {
						c.Close()
					}
				}
			}()
		}
	}
	start(s.candidates(ctx))
	tk := time.NewTicker(resolvePoll)
	defer tk.Stop()
	var lastErr error
	for inFlight > 0 {
		select {
		case <-tk.C:
			start(s.candidates(ctx))
		case r := <-results:
			inFlight--
			if r.err == nil {
				s.opt.Addr = r.addr
				return r.c, nil
			}
			lastErr = r.err
		}
	}
	return nil, s.unreachable(ctx, lastErr)
}

func (s *sender) unreachable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return newErr(errcode.Unreachable, err, "Name", s.name, "Addr", s.opt.Addr)
}
