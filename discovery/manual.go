package discovery

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

const (
	identifyTimeout = 3 * time.Second
	knownRetryFirst = 30 * time.Second // a known device that isn't around is tried again after this
	knownRetryMax   = 5 * time.Minute  // backing off to this
)

// knownPeer is a device reached by address before: tried again at its last
// addresses whenever it is missing from the table.
type knownPeer struct {
	peer    Peer
	source  Source
	next    time.Time
	backoff time.Duration
	busy    bool
}

// remember adds or refreshes a device to try by address. Called with s.mu
// held or before Serve.
func (s *Service) remember(p Peer, src Source) {
	if !validID(p.ID) || p.ID == s.cfg.Self.ID || len(p.Addrs) == 0 {
		return
	}
	k := s.known[p.ID]
	if k == nil {
		k = &knownPeer{backoff: knownRetryFirst}
		s.known[p.ID] = k
	}
	k.peer = p.clone()
	if src == SourceManual || k.source != SourceManual {
		k.source = src
	}
}

// retryKnown identifies known devices that are missing from the table.
func (s *Service) retryKnown(now time.Time) {
	type attempt struct {
		k     *knownPeer
		id    string
		addrs []netip.AddrPort
	}
	s.mu.Lock()
	w := s.work
	var due []attempt
	for id, k := range s.known {
		if p, present := s.table.get(id); present {
			k.next, k.backoff = now.Add(knownRetryFirst), knownRetryFirst
			if len(p.Addrs) > 0 {
				k.peer.Addrs = p.Addrs // where to look if it goes missing
			}
			continue
		}
		if !k.busy && !now.Before(k.next) && s.cfg.Identify != nil && w != nil {
			k.busy = true
			due = append(due, attempt{k, id, append([]netip.AddrPort(nil), k.peer.Addrs...)})
		}
	}
	s.mu.Unlock()
	for _, a := range due {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			p, addr, err := s.identifyAny(w.ctx, a.addrs)
			now := s.clock.Now()
			k := a.k
			s.mu.Lock()
			k.busy = false
			if err != nil || p.ID != a.id {
				// Someone else at that address is not the device we know.
				k.next = now.Add(k.backoff)
				k.backoff = min(2*k.backoff, knownRetryMax)
				s.mu.Unlock()
				return
			}
			k.backoff = knownRetryFirst
			src := k.source
			s.mu.Unlock()
			s.apply(func(t *table) { t.addDirect(now, p, src, addr) })
		}()
	}
}

// identifyAny asks each address in turn who is there.
func (s *Service) identifyAny(ctx context.Context, addrs []netip.AddrPort) (Peer, netip.AddrPort, error) {
	var lastErr error
	for _, a := range addrs {
		ictx, cancel := context.WithTimeout(ctx, identifyTimeout)
		p, err := s.cfg.Identify(ictx, a.String())
		cancel()
		if err == nil {
			return p, a, nil
		}
		lastErr = err
	}
	return Peer{}, netip.AddrPort{}, lastErr
}

// AddByAddress connects to HOST[:PORT], reads who answers and puts it in
// the table (Source manual). It is for networks where multicast does not
// get through; the device is then also tried at that address whenever it
// is missing. The port defaults to Config.DefaultPort.
func (s *Service) AddByAddress(ctx context.Context, hostport string) (Peer, error) {
	if s.cfg.Identify == nil {
		return Peer{}, &Error{Key: "discovery.err.unreachable", Args: []any{"Address", hostport, "Reason", "adding by address is not available here"}, Kind: ErrUnreachable}
	}
	addrs, err := s.resolve(ctx, hostport)
	if err != nil {
		return Peer{}, err
	}
	p, addr, err := s.identifyAny(ctx, addrs)
	if err != nil {
		return Peer{}, &Error{Key: "discovery.err.unreachable", Args: []any{"Address", hostport, "Reason", err.Error()}, Kind: ErrUnreachable, Err: err}
	}
	if p.ID == s.cfg.Self.ID {
		return Peer{}, &Error{Key: "discovery.err.self", Args: []any{"Address", hostport}, Kind: ErrSelf}
	}
	if !validID(p.ID) {
		return Peer{}, &Error{Key: "discovery.err.unreachable", Args: []any{"Address", hostport, "Reason", "the answer carried no valid device ID"}, Kind: ErrUnreachable}
	}
	now := s.clock.Now()
	var out Peer
	s.apply(func(t *table) {
		t.addDirect(now, p, SourceManual, addr)
		out, _ = t.get(p.ID)
		s.remember(out, SourceManual)
	})
	return out, nil
}

// resolve turns HOST[:PORT] into addresses, the port defaulting.
func (s *Service) resolve(ctx context.Context, hostport string) ([]netip.AddrPort, error) {
	bad := func() error {
		return &Error{Key: "discovery.err.bad_address", Args: []any{"Address", hostport, "Port", strconv.Itoa(defaultPort(&s.cfg))}, Kind: ErrBadAddress}
	}
	in := strings.TrimSpace(hostport)
	host, portStr, err := net.SplitHostPort(in)
	if err != nil {
		host, portStr = strings.Trim(in, "[]"), strconv.Itoa(defaultPort(&s.cfg))
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 || host == "" {
		return nil, bad()
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(ip.Unmap(), uint16(port))}, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		reason := "no address found"
		if err != nil {
			reason = err.Error()
		}
		return nil, &Error{Key: "discovery.err.resolve", Args: []any{"Host", host, "Reason", reason}, Kind: ErrBadAddress, Err: err}
	}
	out := make([]netip.AddrPort, 0, len(ips))
	for _, ip := range ips {
		out = append(out, netip.AddrPortFrom(ip.Unmap(), uint16(port)))
	}
	return out, nil
}
