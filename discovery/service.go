package discovery

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

const (
	// minWait is the shortest the Serve loop sleeps: deadlines closer
	// together than this are handled in one pass (deadline.go).
	minWait = 20 * time.Millisecond
	// staleRetry is when a deadline tick could not act on is tried again.
	staleRetry    = 250 * time.Millisecond
	netCheckEvery = 5 * time.Second // interfaces and addresses are re-read this often
	// netSettle is how long after the system reports an address or link
	// change the interfaces are re-read: one roam is a burst of changes
	// (old address gone, link up, new address), read once after it.
	netSettle     = 100 * time.Millisecond
	retryRegister = 5 * time.Second
	maxProbes     = 16 // probes in flight at once
	// probeGap paces probe starts (50 a second): a device arriving in a
	// room of 40 checks every engine within a second, and a class starting
	// at once doesn't connect to everyone in the same instant.
	probeGap = 20 * time.Millisecond
)

// Config sets up a Service. Only Self is required.
type Config struct {
	Self       Self
	Visibility Visibility
	// Interfaces limits mDNS to these interfaces (loopback included if
	// listed). Nil means every up, multicast-capable interface with an
	// address, loopback only with IncludeLoopback.
	Interfaces      []net.Interface
	IncludeLoopback bool
	// Probe checks that a peer's engine answers at addr. Nil means a TCP
	// connect. It must return when ctx ends.
	Probe func(ctx context.Context, addr netip.AddrPort) error
	// Identify connects to HOST:PORT and returns who answers (the app wires
	// this to the transfer hello). Needed by AddByAddress and Known.
	Identify func(ctx context.Context, hostport string) (Peer, error)
	// DefaultPort is used by AddByAddress when the address has no port;
	// zero means Self.Port.
	DefaultPort int
	// Known devices are tried at their last addresses, so they show up
	// where multicast is blocked.
	Known []Peer
	Clock Clock
	// Logf receives diagnostics (interfaces, socket errors); nil drops them.
	Logf func(format string, args ...any)
}

// Service announces this device and keeps the table of nearby ones.
// Construct with New, run with Serve; the other methods are safe to call
// from any goroutine at any time.
type Service struct {
	cfg   Config
	clock Clock
	probe func(context.Context, netip.AddrPort) error
	hub   hub
	nudge chan struct{} // capacity 1: name or visibility changed, act now

	mu       sync.Mutex // guards everything below
	table    *table
	self     Self
	vis      Visibility
	suffixed bool      // our name clashed: announce "Name (id prefix)"
	mon      *monitor  // current socket for queries; nil between sessions
	asked    bool      // a room query wants our announcement (heartbeat.go)
	heard4   time.Time // another device's records last came over IPv4 (heartbeat.go)
	work     *worker   // nil unless Serve runs
	wakeAt   time.Time // when the Serve loop means to wake next
	known    map[string]*knownPeer
}

// worker runs the table's actions for one Serve call.
type worker struct {
	ctx context.Context
	wg  sync.WaitGroup
	sem chan struct{}

	mu        sync.Mutex // guards nextProbe
	nextProbe time.Time  // the earliest start of the next probe (probeGap)
}

// New makes a Service; it does nothing on the network until Serve.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	cfg.Self.OS = defaultOS(cfg.Self.OS)
	if cfg.Self.Proto == "" {
		cfg.Self.Proto = "1"
	}
	s := &Service{
		cfg:   cfg,
		clock: cfg.Clock,
		probe: cfg.Probe,
		nudge: make(chan struct{}, 1),
		table: newTable(cfg.Self.ID),
		self:  cfg.Self,
		vis:   cfg.Visibility,
		known: map[string]*knownPeer{},
	}
	if s.probe == nil {
		s.probe = dialProbe
	}
	for _, p := range cfg.Known {
		s.remember(p, SourceKnown)
	}
	return s
}

// Peers lists the devices currently in the table, by name.
func (s *Service) Peers() []Peer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.table.snapshot()
}

// Subscribe returns a channel of table changes. It starts with a PeerSeen
// for every device already present, so a subscriber needs no separate
// Peers call and can't miss a change in between. The channel closes after
// cancel, or when Serve returns. Events queue without bound until read.
func (s *Service) Subscribe() (<-chan Event, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var initial []Event
	for _, p := range s.table.snapshot() {
		initial = append(initial, Event{Kind: PeerSeen, Peer: p})
	}
	return s.hub.subscribe(initial)
}

// SetVisibility changes whether this device is announced; hiding sends a
// goodbye so the others drop it at once.
func (s *Service) SetVisibility(v Visibility) {
	s.mu.Lock()
	s.vis = v
	s.mu.Unlock()
	s.poke()
}

// Visibility is the current setting, with an elapsed VisibleUntil shown as
// Hidden.
func (s *Service) Visibility() Visibility {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.vis.Effective(s.clock.Now())
}

// SetName renames this device. Peers see PeerUpdated with the same ID.
func (s *Service) SetName(name string) {
	s.mu.Lock()
	if s.self.Name != name {
		s.self.Name = name
		s.suffixed = false // the new name may be free; a clash shows up again if not
	}
	s.mu.Unlock()
	s.poke()
}

// SetPort changes the receiver port this device announces (the person
// changed it in the settings); peers see PeerUpdated with the new address.
func (s *Service) SetPort(port int) {
	s.mu.Lock()
	s.self.Port = port
	s.mu.Unlock()
	s.poke()
}

// Instance is the name this device is announced under right now: its name,
// or its name with the ID prefix when another device uses the same name.
func (s *Service) Instance() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return instanceLabel(s.self.Name, s.self.ID, s.suffixed)
}

func (s *Service) poke() {
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// serveState is owned by the Serve loop.
type serveState struct {
	nc          netConfig
	mon         *monitor
	ann         *announcer
	beat        beatPlan
	query       queryPlan
	annRetry    time.Time
	nextNet     time.Time
	loggedNoNet bool
}

// Serve runs discovery until ctx ends: it announces (when visible), browses,
// keeps the table fresh and follows interface changes. On return it has
// said goodbye and closed its sockets, and subscriber channels are closed.
// It returns nil after ctx ends; it never gives up on its own, because
// devices reached by address work without mDNS.
func (s *Service) Serve(ctx context.Context) error {
	w := &worker{ctx: ctx, sem: make(chan struct{}, maxProbes)}
	s.mu.Lock()
	if s.work != nil {
		s.mu.Unlock()
		return errors.New("discovery: Serve is already running")
	}
	s.work = w
	s.mu.Unlock()

	var st serveState
	netChanged := make(chan struct{}, 1)
	stopWatch := watchAddrs(netChanged)
	defer func() {
		if stopWatch != nil {
			stopWatch()
		}
		s.stopAnnouncing(&st)
		s.closeSession(&st)
		s.mu.Lock()
		s.work = nil
		s.mu.Unlock()
		w.wg.Wait()
		s.hub.closeAll()
	}()
	for {
		now := s.clock.Now()
		if !now.Before(st.nextNet) {
			s.refreshNet(&st)
			st.nextNet = now.Add(netCheckEvery)
		}
		s.reconcileAnnounce(&st, now)
		s.heartbeat(&st, now)
		s.browse(&st, now)
		s.retryKnown(now)
		wake := earliest(now, st.nextNet, st.beat.wake(), st.query.next, st.annRetry, s.knownDue(), s.visibilityEnds())
		s.apply(func(t *table) {
			t.tick(now)
			due := t.nextDue()
			if !due.IsZero() && !due.After(now) {
				due = now.Add(staleRetry) // tick couldn't act on it yet (a full query budget)
			}
			wake = earliest(now, wake, due)
			s.wakeAt = wake
		})
		wait := netCheckEvery
		if !wake.IsZero() {
			wait = max(wake.Sub(now), minWait)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.clock.After(wait):
		case <-s.nudge:
		case <-netChanged:
			// A new address is announced (and the sockets rebuilt) now,
			// not at the next periodic check: peers sending to us by name
			// find us again within a second of a roam.
			if at := s.clock.Now().Add(netSettle); at.Before(st.nextNet) {
				st.nextNet = at
			}
		}
	}
}

// apply runs f on the table under the lock, publishes the events it caused
// and starts the work it asked for.
func (s *Service) apply(f func(*table)) {
	s.mu.Lock()
	f(s.table)
	s.hub.publish(s.table.takeEvents())
	acts := s.table.takeActions()
	if soon := s.table.takeSoon(); !soon.IsZero() && soon.Before(s.wakeAt) {
		s.poke() // a deadline before the loop means to wake
	}
	w, mon := s.work, s.mon
	s.mu.Unlock()
	for _, a := range acts {
		switch a.kind {
		case actQuery:
			if mon != nil {
				mon.send(instanceQuery(a.instance, a.host, a.wantTXT))
			}
		case actProbe:
			if w != nil {
				s.startProbe(w, a)
			}
		}
	}
}

func (s *Service) startProbe(w *worker, a action) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if d := w.probeSlot(s.clock.Now()); d > 0 {
			select {
			case <-s.clock.After(d):
			case <-w.ctx.Done():
				return
			}
		}
		select {
		case w.sem <- struct{}{}:
		case <-w.ctx.Done():
			return
		}
		best, ok := probeAll(w.ctx, s.probe, a.addrs)
		<-w.sem
		if w.ctx.Err() != nil {
			return
		}
		s.apply(func(t *table) { t.probeDone(s.clock.Now(), a.id, a.gen, best, ok) })
	}()
}

// onPacket handles one mDNS message from the monitor.
func (s *Service) onPacket(msg *dns.Msg, at arrival) {
	if !msg.Response {
		s.onQuery(msg)
		return
	}
	pk := parseResponse(msg, at)
	if len(pk.obs) == 0 && len(pk.hostAddrs) == 0 {
		return
	}
	now := s.clock.Now()
	bye := false
	s.apply(func(t *table) {
		s.noteFamily(now, pk, at)
		for _, o := range pk.obs {
			s.noticeClash(o)
			t.observe(now, o)
			bye = bye || o.goodbye
		}
		for host, addrs := range pk.hostAddrs {
			t.hostAddrs(now, host, addrs)
		}
	})
	if bye {
		s.poke() // its grace period runs on the fast tick
	}
}

// noticeClash renames us when another device announces our instance name.
// The device with the smaller ID keeps the plain name, so exactly one of
// the two renames. Called with s.mu held.
func (s *Service) noticeClash(o observation) {
	if s.suffixed || o.goodbye || !o.hasTXT || !validID(o.txt.id) || o.txt.id >= s.self.ID {
		return
	}
	if strings.EqualFold(unescapeLabel(o.instance), instanceLabel(s.self.Name, s.self.ID, false)) {
		s.suffixed = true
		s.poke()
	}
}

// refreshNet rebuilds the sockets when the usable interfaces or their
// addresses changed.
func (s *Service) refreshNet(st *serveState) {
	nc, err := pickInterfaces(&s.cfg)
	if err != nil {
		s.logf("discovery: %v", err)
		return
	}
	if nc.key == st.nc.key && (st.mon != nil || len(nc.ifaces) == 0) {
		return
	}
	s.closeSession(st)
	st.nc = nc
	if len(nc.ifaces) == 0 {
		if !st.loggedNoNet {
			s.logf("discovery: no up, multicast-capable interface with an address; only devices added by address will show")
			st.loggedNoNet = true
		}
		return
	}
	st.loggedNoNet = false
	local := append([]netip.Prefix{}, nc.local...) // non-nil: probes stay on these subnets
	s.apply(func(t *table) { t.local = local })
	mon, err := openMonitor(nc.ifaces)
	if err != nil {
		s.logf("discovery: listening for mDNS: %v", err)
		st.nc = netConfig{} // try again at the next check
		return
	}
	mon.run(s.onPacket)
	st.mon = mon
	st.query.reset(s.clock.Now())
	s.mu.Lock()
	s.mon = mon
	s.mu.Unlock()
}

func (s *Service) closeSession(st *serveState) {
	if st.mon == nil {
		return
	}
	s.mu.Lock()
	s.mon = nil
	s.mu.Unlock()
	st.mon.close()
	st.mon = nil
	st.query = queryPlan{}
}

// reconcileAnnounce makes the zeroconf server match the wanted name,
// visibility and addresses.
func (s *Service) reconcileAnnounce(st *serveState, now time.Time) {
	s.mu.Lock()
	self := s.self
	want := s.vis.Announcing(now) && st.mon != nil
	instance := escapeLabel(instanceLabel(self.Name, self.ID, s.suffixed))
	s.mu.Unlock()
	if !want {
		s.stopAnnouncing(st)
		return
	}
	key := announceKey(self, instance, st.nc)
	if st.ann != nil && st.ann.key == key || now.Before(st.annRetry) {
		return
	}
	// The old registration goes first, goodbye and all, and the new one is
	// announced right after: peers hold a goodbye for goodbyeGrace, so a
	// rename or new address shows as one update. (Announcing the new name
	// first would not work: until Shutdown, zeroconf's old server may still
	// send its own scheduled announcements of the old name.)
	if st.ann != nil {
		st.ann.shutdown()
		st.ann = nil
	}
	srv, err := register(self, instance, st.nc)
	if err != nil {
		s.logf("discovery: announcing %q: %v", unescapeLabel(instance), err)
		st.annRetry = now.Add(retryRegister)
		return
	}
	st.ann = &announcer{srv: srv, instance: instance, key: key, started: time.Now()}
	st.mon.send(announcement(self, instance, st.nc.addrs))
	st.beat.sent(now)
}

func (s *Service) stopAnnouncing(st *serveState) {
	if st.ann != nil {
		st.ann.shutdown()
		st.ann = nil
	}
	st.beat = beatPlan{}
}

func (s *Service) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

func defaultPort(cfg *Config) int {
	if cfg.DefaultPort != 0 {
		return cfg.DefaultPort
	}
	return cfg.Self.Port
}
