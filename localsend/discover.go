package localsend

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Discovery: LocalSend apps multicast a JSON description of themselves to
// 224.0.0.167:53317 when they start; everyone who hears an announcement
// answers with POST /register to the announcer, or, if that fails, with a
// multicast message of their own marked announce:false. We announce at
// start (three times, as LocalSend does, since UDP may drop one) and then
// every AnnounceEvery while a LocalSend app answers them, so that it stays
// listed (answersWanted).

const (
	maxDatagram = 64 << 10
	// answerGap: an announcer (address and fingerprint: another app on the
	// same address is another device) that announced within it is not
	// answered.
	// A device announcing every 30 s (Lempar does) hears our own periodic
	// announcement anyway; answering each of its announcements would cost
	// a room of N devices N² HTTPS calls every 30 s. A device starting, or
	// a phone searching after a while, is answered at once.
	answerGap     = 45 * time.Second
	maxAnswering  = 4 // answers in flight; more announcements wait for the next one
	answerTimeout = 3 * time.Second
	// lemparWait: with a Lempar hook, an announcer mDNS doesn't know yet
	// is answered only after 1.5-2.5 s (jittered), and only if mDNS still
	// doesn't say it is Lempar then. A Lempar device announces itself
	// over mDNS at once when it starts, so a room of Lempar devices
	// starting together (each one's LocalSend announcement heard by every
	// other) costs no HTTPS answers; a LocalSend app is answered 2 s later
	// than it would be, well within its own discovery. At most maxWaiting
	// answers wait at a time; the rest are dropped (the announcer repeats).
	lemparWaitMin = 1500 * time.Millisecond
	lemparWaitMax = 2500 * time.Millisecond
	maxWaiting    = 64
)

var startAnnounces = []time.Duration{100 * time.Millisecond, 400 * time.Millisecond, 1500 * time.Millisecond}

type mcast struct {
	cfg    *Config
	group4 *net.UDPAddr
	group6 *net.UDPAddr
	c4     *ipv4.PacketConn
	c6     *ipv6.PacketConn

	joined4 map[int]bool // interface indexes; only the announce loop touches them
	joined6 map[int]bool

	mu sync.Mutex // serialises sends: each picks its interface first
}

func (s *Service) discover(ctx context.Context) {
	m, err := openMulticast(&s.cfg)
	if err != nil {
		s.logf("localsend: multicast discovery is off: %v", err)
		return
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer m.close()
	answering := make(chan struct{}, maxAnswering)
	handle := func(b []byte, src netip.Addr) {
		s.onDatagram(ctx, m, b, src, answering, &wg)
	}
	if m.c4 != nil {
		wg.Add(1)
		go func() { defer wg.Done(); m.read4(handle) }()
	}
	if m.c6 != nil {
		wg.Add(1)
		go func() { defer wg.Done(); m.read6(handle) }()
	}
	var last time.Time // our last announcement
	for i := 0; ; i++ {
		wait := s.cfg.AnnounceEvery
		if i < len(startAnnounces) {
			wait = startAnnounces[i]
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.reannounce:
			t.Stop()
			i = -1 // the start announcements again
			continue
		case <-t.C:
		}
		m.join()
		if s.cfg.Hidden() {
			continue
		}
		if i < len(startAnnounces) || s.answersWanted(last) {
			m.send(s.announcement(true))
			last = time.Now()
		}
	}
}

// Reannounce sends the start announcements again: the device was hidden
// and is visible now, and phones that are open should see it at once.
func (s *Service) Reannounce() {
	select {
	case s.reannounce <- struct{}{}:
	default:
	}
}

// answersWanted reports whether the periodic announcement is worth its
// packets: a LocalSend app (a device the Lempar hook doesn't know) spoke
// since our last one, so it answers them and they keep it listed here.
// Lempar devices find each other over mDNS and ignore it, and an announcer
// that never answers (a `lempar-cli peers` run, hidden from mDNS) would
// not be kept listed by it either; announcing for either would only wake
// the room (a class of 40) every 30 s. An app that stops answering gets
// one more, and drops off the list after DeviceTTL.
func (s *Service) answersWanted(since time.Time) bool {
	if s.cfg.Lempar == nil {
		return true
	}
	for _, d := range s.Devices() {
		if d.Seen.After(since) && !s.cfg.Lempar(d.Fingerprint) {
			return true
		}
	}
	return false
}

func (s *Service) announcement(announce bool) []byte {
	me := s.Self()
	me.Announce, me.Announcement = &announce, &announce // v1 peers read the latter
	b, _ := json.Marshal(me)
	return b
}

// onDatagram handles one multicast message: hostile input, so decoded with
// limits, and answers are rate-limited and bounded in number.
func (s *Service) onDatagram(ctx context.Context, m *mcast, b []byte, src netip.Addr, answering chan struct{}, wg *sync.WaitGroup) {
	var d DeviceInfo
	if decodeBytes(b, &d) != nil {
		return
	}
	if d.Port == 0 {
		d.Port = DefaultPort // v1 announcements carry no port
	}
	if d.check(true) != nil || sameFingerprint(d.Fingerprint, ourFingerprint(s.cfg.Identity.ID)) {
		return
	}
	dev := deviceFrom(&d, src, time.Now())
	s.seen(dev)
	if !d.announcing() || s.cfg.Hidden() || s.cfg.Lempar != nil && s.cfg.Lempar(d.Fingerprint) || !s.mayAnswer(announcer{src, d.Fingerprint}) {
		return
	}
	if s.cfg.Lempar != nil && wg != nil {
		if s.waiting.Add(1) > maxWaiting {
			s.waiting.Add(-1)
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			wait := time.NewTimer(lemparWaitMin + rand.N(lemparWaitMax-lemparWaitMin))
			defer wait.Stop()
			select {
			case <-ctx.Done():
				s.waiting.Add(-1)
				return
			case <-wait.C:
			}
			s.waiting.Add(-1)
			if s.cfg.Lempar(d.Fingerprint) || s.cfg.Hidden() {
				return
			}
			s.answer(ctx, m, dev, src, answering, wg)
		}()
		return
	}
	s.answer(ctx, m, dev, src, answering, wg)
}

// answer answers an announcement, unless maxAnswering answers are in
// flight.
func (s *Service) answer(ctx context.Context, m *mcast, dev Device, src netip.Addr, answering chan struct{}, wg *sync.WaitGroup) {
	select {
	case answering <- struct{}{}:
	default:
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() { <-answering }()
		if !s.register(ctx, dev) {
			m.send(s.announcement(false)) // the protocol's fallback
			return
		}
		// Also a datagram straight to the announcer: some implementations
		// (localsend on npm, under Node) can't tell who sent a register
		// and drop it, but list whoever sends them a datagram.
		m.reply(s.announcement(false), src)
	}()
}

// announcer is who announced: an address, and the fingerprint it claims.
type announcer struct {
	ip netip.Addr
	fp string
}

// maxAnnouncers bounds what mayAnswer remembers: a flood of announcements
// under made-up fingerprints gets no answers once it is full, rather than
// memory.
const maxAnnouncers = 4096

func (s *Service) mayAnswer(a announcer) bool {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, known := s.answered[a]; !known && len(s.answered) >= maxAnnouncers {
		for k, t := range s.answered {
			if now.Sub(t) > answerGap {
				delete(s.answered, k)
			}
		}
		if len(s.answered) >= maxAnnouncers {
			return false
		}
	}
	prev, ok := s.answered[a]
	s.answered[a] = now
	return !ok || now.Sub(prev) >= answerGap
}

// register answers an announcement over HTTP(S) and learns the device's
// details from its reply.
func (s *Service) register(ctx context.Context, dev Device) bool {
	ctx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	// The certificate that answers is recorded: when it hashes to the
	// announced fingerprint, the device is proven at this address.
	cert := &certSeen{}
	c := newClient(s.cfg.Identity, "", 1, cert)
	c.Transport.(*http.Transport).DisableKeepAlives = true
	defer c.CloseIdleConnections()
	status, body, err := postJSON(ctx, c, endpoint(dev.Protocol, dev.Addr.String(), apiV2+"register", nil), s.Self(), maxInfoJSON)
	if err != nil || status != http.StatusOK {
		return false
	}
	var d DeviceInfo
	if decodeBytes(body, &d) == nil {
		if d.Port == 0 {
			d.Port = int(dev.Addr.Port())
		}
		if d.Protocol == "" {
			d.Protocol = dev.Protocol
		}
		if d.check(true) == nil && sameFingerprint(d.Fingerprint, dev.Fingerprint) {
			got := deviceFrom(&d, dev.Addr.Addr(), time.Now())
			// Proven only where we called: the answer's port and protocol
			// are its own words.
			got.Proven = dev.Protocol == "https" && got.Protocol == "https" && got.Addr == dev.Addr &&
				isHex64(dev.Fingerprint) && strings.EqualFold(cert.get(), dev.Fingerprint)
			s.seen(got)
		}
	}
	return true
}

func openMulticast(cfg *Config) (*mcast, error) {
	port := strconv.Itoa(cfg.MulticastPort)
	m := &mcast{
		cfg:     cfg,
		group4:  &net.UDPAddr{IP: net.ParseIP(MulticastAddr4), Port: cfg.MulticastPort},
		group6:  &net.UDPAddr{IP: net.ParseIP(MulticastAddr6), Port: cfg.MulticastPort},
		joined4: map[int]bool{}, joined6: map[int]bool{},
	}
	lc := net.ListenConfig{Control: reuseControl}
	c, err := lc.ListenPacket(context.Background(), "udp4", ":"+port)
	if err != nil {
		return nil, err
	}
	m.c4 = ipv4.NewPacketConn(c)
	_ = m.c4.SetMulticastLoopback(true) // two apps on one machine hear each other
	_ = m.c4.SetMulticastTTL(1)
	if c6, err := lc.ListenPacket(context.Background(), "udp6", "[::]:"+port); err == nil {
		m.c6 = ipv6.NewPacketConn(c6)
		_ = m.c6.SetMulticastLoopback(true)
		_ = m.c6.SetMulticastHopLimit(1)
	}
	if m.join() == 0 {
		m.close()
		return nil, errNoInterface
	}
	return m, nil
}

var errNoInterface = &net.OpError{Op: "join", Net: "udp", Err: errString("no up, multicast-capable interface with an address")}

type errString string

func (e errString) Error() string { return string(e) }

// join joins the groups on interfaces not joined yet, so a network that
// came up after start is used. It returns the number of IPv4 interfaces in
// use.
func (m *mcast) join() int {
	for _, ifi := range interfaces(m.cfg, false) {
		if !m.joined4[ifi.Index] && m.c4.JoinGroup(&ifi, m.group4) == nil {
			m.joined4[ifi.Index] = true
		}
	}
	if m.c6 != nil {
		for _, ifi := range interfaces(m.cfg, true) {
			if !m.joined6[ifi.Index] && m.c6.JoinGroup(&ifi, m.group6) == nil {
				m.joined6[ifi.Index] = true
			}
		}
	}
	return len(m.joined4)
}

func (m *mcast) send(b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ifi := range interfaces(m.cfg, false) {
		if m.c4.SetMulticastInterface(&ifi) == nil {
			_, _ = m.c4.WriteTo(b, nil, m.group4)
		}
	}
	if m.c6 != nil {
		for _, ifi := range interfaces(m.cfg, true) {
			if m.c6.SetMulticastInterface(&ifi) == nil {
				_, _ = m.c6.WriteTo(b, nil, m.group6)
			}
		}
	}
}

// reply sends b to one device's discovery port.
func (m *mcast) reply(b []byte, to netip.Addr) {
	dst := net.UDPAddrFromAddrPort(netip.AddrPortFrom(to, uint16(m.cfg.MulticastPort)))
	m.mu.Lock()
	defer m.mu.Unlock()
	if to.Is4() {
		_, _ = m.c4.WriteTo(b, nil, dst)
	} else if m.c6 != nil {
		_, _ = m.c6.WriteTo(b, nil, dst)
	}
}

func (m *mcast) read4(handle func([]byte, netip.Addr)) {
	buf := make([]byte, maxDatagram)
	for {
		n, _, src, err := m.c4.ReadFrom(buf)
		if err != nil {
			return
		}
		if ua, ok := src.(*net.UDPAddr); ok {
			handle(buf[:n], ua.AddrPort().Addr().Unmap())
		}
	}
}

func (m *mcast) read6(handle func([]byte, netip.Addr)) {
	buf := make([]byte, maxDatagram)
	for {
		n, _, src, err := m.c6.ReadFrom(buf)
		if err != nil {
			return
		}
		if ua, ok := src.(*net.UDPAddr); ok {
			handle(buf[:n], ua.AddrPort().Addr())
		}
	}
}

func (m *mcast) close() {
	m.c4.Close()
	if m.c6 != nil {
		m.c6.Close()
	}
}

// interfaces are the up, multicast-capable ones with an address of the
// family; loopback only when asked (single-host tests).
func interfaces(cfg *Config, v6 bool) []net.Interface {
	if cfg.Interfaces != nil {
		return cfg.Interfaces
	}
	all, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []net.Interface
	for _, ifi := range all {
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 {
			continue
		}
		if ifi.Flags&net.FlagLoopback != 0 && !cfg.IncludeLoopback {
			continue
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if ok && (ipn.IP.To4() != nil) != v6 {
				out = append(out, ifi)
				break
			}
		}
	}
	return out
}
