package discovery

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"time"
)

type entry struct {
	p         Peer // ID, Name, OS, Proto, LastSeen, Reachable; Addrs and Source are derived
	announced bool // PeerSeen was sent

	mdns     bool   // live mDNS records (no goodbye since)
	instance string // escaped instance label while mdns
	host     string
	port     uint16
	addrs    map[netip.Addr]time.Time // mDNS addresses → expiry

	direct     Source         // SourceManual or SourceKnown when hasDirect
	hasDirect  bool           // reached by address: stays while probes succeed
	directAddr netip.AddrPort // the address given or remembered; never expires

	origin   netip.Addr     // who sent the packet that created the entry (mDNS), for the per-address bound
	byeCheck bool           // said goodbye but is known by address: kept only if this probe answers
	best     netip.AddrPort // answered the last successful probe
	created  time.Time
	heard    time.Time // last sign of life: an mDNS record or a probe answer
	goneAt   time.Time // set by a goodbye: removed then unless heard again
	phase    phase
	phaseEnd time.Time
	retried  bool
	deferred bool // firstProbeWait has passed for a peer not listed yet
	interval time.Duration
	gen      uint64 // numbers probes so that a late answer to an old one is ignored
}

type actionKind uint8

const (
	actProbe actionKind = iota + 1
	actQuery
)

// action is work the table wants done outside its lock: a TCP probe whose
// answer comes back through probeDone, or an mDNS query.
type action struct {
	kind     actionKind
	id       string
	gen      uint64
	addrs    []netip.AddrPort
	instance string
	host     string
	wantTXT  bool
}

// table is the peer table: pure bookkeeping, no I/O, no clock of its own.
// Every method takes the current time, so tests drive it with any clock they
// like. Changes come out of takeEvents, work to do out of takeActions.
type table struct {
	self       string
	peers      map[string]*entry    // by device ID
	byInstance map[string]string    // lowercased escaped instance → device ID
	asked      map[string]time.Time // lowercased instance → last follow-up query
	events     []Event
	actions    []action
	// local is the subnets of our interfaces: probes go only there (or to
	// an address the person gave), so a spoofed announcement can't point
	// our TCP connections at any host on the internet. nil: not known yet
	// (tests of the bare table), no filter.
	local []netip.Prefix
	soon  time.Time // earliest deadline set since the loop last looked (deadline.go)
}

func newTable(selfID string) *table {
	return &table{
		self:       selfID,
		peers:      map[string]*entry{},
		byInstance: map[string]string{},
		asked:      map[string]time.Time{},
	}
}

func (t *table) takeEvents() []Event {
	ev := t.events
	t.events = nil
	return ev
}

func (t *table) takeActions() []action {
	a := t.actions
	t.actions = nil
	return a
}

// observe applies what one packet said about one instance.
func (t *table) observe(now time.Time, o observation) {
	key := strings.ToLower(o.instance)
	id := t.byInstance[key]
	if o.hasTXT {
		if !validID(o.txt.id) {
			return // not a device whose certificate we could pin
		}
		id = o.txt.id
	}
	if id == t.self {
		if !o.goodbye {
			t.byInstance[key] = id
		}
		return
	}
	if o.goodbye {
		// Anyone can multicast a goodbye for any name; only the device's
		// own addresses can make it leave early.
		if e := t.peers[id]; e != nil && e.mdns && strings.EqualFold(e.instance, o.instance) && e.goneAt.IsZero() && e.sentFrom(o.src) {
			e.goneAt = now.Add(goodbyeGrace)
			t.noteDue(e)
		}
		// A goodbye for a name the peer no longer uses (it was renamed) is
		// ignored: the new name's records keep it alive.
		return
	}
	if id == "" {
		t.ask(now, o.instance, o.host, true)
		return
	}
	e := t.peers[id]
	if e == nil {
		if !t.room(o.src) {
			return
		}
		e = &entry{p: Peer{ID: id}, created: now, interval: checkFirst, addrs: map[netip.Addr]time.Time{}, origin: o.src}
		t.peers[id] = e
	}
	t.byInstance[key] = id
	defer t.noteDue(e)
	changed := false
	set := func(dst *string, v string) {
		if v != "" && *dst != v {
			*dst = v
			changed = true
		}
	}
	e.goneAt, e.byeCheck = time.Time{}, false
	if !e.mdns {
		e.mdns = true
		changed = true // source becomes mDNS
	}
	if e.instance != o.instance {
		if old := strings.ToLower(e.instance); old != key && t.byInstance[old] == id {
			delete(t.byInstance, old)
		}
		e.instance = o.instance
	}
	set(&e.p.Name, displayName(unescapeLabel(o.instance), id))
	if o.hasTXT {
		set(&e.p.OS, o.txt.os)
		set(&e.p.Proto, o.txt.proto)
	}
	newAddr := false
	if o.hasSRV {
		if e.host != o.host {
			e.host = o.host
			clear(e.addrs) // they belonged to the old host
			changed = true
		}
		if e.port != o.port {
			e.port = o.port
			changed, newAddr = true, true
		}
	}
	if t.mergeAddrs(now, e, o.addrs) {
		changed, newAddr = true, true
	}
	t.heardFrom(now, e)
	switch {
	case !e.announced && t.selfAnnounced(e, o):
		t.listHeard(now, e)
	case !e.announced && lemparRecord(e, o) && !e.deferred:
		// Its own announcement, but from an address it doesn't list (the
		// IPv6 link-local copy of an announcement sent on both
		// families): the IPv4 copy or the next heartbeat lists it; tick
		// probes it if neither comes within firstProbeWait.
	case !e.announced:
		t.startIfPending(now, e)
	case changed:
		t.emit(PeerUpdated, e)
		if newAddr && !e.p.Reachable && e.phase == phaseIdle {
			t.probe(now, e) // maybe reachable at the new address
		}
	}
}

// hostAddrs applies A/AAAA records that came without an SRV, such as the
// answer to a follow-up lookup. Several devices may share a host name (two
// stock "debian" machines); then the records can't be attributed and are
// ignored.
func (t *table) hostAddrs(now time.Time, host string, addrs []timedAddr) {
	var match *entry
	for _, e := range t.peers {
		if e.mdns && e.host == host {
			if match != nil {
				return
			}
			match = e
		}
	}
	if match == nil || !t.mergeAddrs(now, match, addrs) {
		return
	}
	defer t.noteDue(match)
	t.heardFrom(now, match)
	if !match.announced {
		t.startIfPending(now, match)
		return
	}
	t.emit(PeerUpdated, match)
	if !match.p.Reachable && match.phase == phaseIdle {
		t.probe(now, match)
	}
}

func (t *table) mergeAddrs(now time.Time, e *entry, addrs []timedAddr) bool {
	added := false
	for _, a := range addrs {
		exp := now.Add(a.ttl)
		old, ok := e.addrs[a.addr]
		if !ok {
			added = true
		}
		if exp.After(old) {
			e.addrs[a.addr] = exp
		}
	}
	return added
}

// heardFrom records an mDNS sign of life. If a probe had just failed, the
// device is still there but its engine is not answering: keep it, marked
// unreachable, and check it less often.
func (t *table) heardFrom(now time.Time, e *entry) {
	e.heard, e.p.LastSeen = now, now
	if e.phase != phaseConfirm {
		return
	}
	e.phase = phaseIdle
	e.interval = min(e.interval*2, checkMaxDead)
	if !e.announced {
		t.announce(e)
		return
	}
	if e.p.Reachable {
		e.p.Reachable = false
		t.emit(PeerUpdated, e)
	}
}

// selfAnnounced reports whether o is a Lempar device's own complete
// announcement (a heartbeat, a start announcement or an answer): its
// identity, an SRV naming the host Lempar derives from that identity, and
// sent from one of the addresses it gives, on our own subnets. Such a
// record is proof of life, like a probe answer: the device is listed at
// once without one (a room of 40 starting together would otherwise cost
// 40×39 TCP probes). Whether it really holds that ID is decided by its
// certificate at connect time, as for a probed device; records of other
// programs (avahi, a printer) still get the first probe.
func (t *table) selfAnnounced(e *entry, o observation) bool {
	if !lemparRecord(e, o) || !e.sentFrom(o.src) {
		return false
	}
	if t.local == nil {
		return true
	}
	for _, a := range t.addrList(e) {
		if t.onLink(a.Addr()) && a.Addr().WithZone("") == o.src.WithZone("") {
			return true
		}
	}
	return false
}

// lemparRecord reports whether o has a Lempar device's complete records:
// identity, port, and the host name Lempar derives from that identity.
func lemparRecord(e *entry, o observation) bool {
	return o.hasTXT && o.hasSRV && o.port != 0 && o.host == hostLabel(e.p.ID)+"."+domain
}

// listHeard lists a peer whose own announcement was just heard (see
// selfAnnounced): reachable, and probed only if its heartbeats stop.
func (t *table) listHeard(now time.Time, e *entry) {
	if e.phase != phaseIdle {
		return // a probe is on its way; its answer lists it
	}
	e.p.Reachable = true
	e.interval = silenceBudget
	t.announce(e)
}

// startIfPending probes a new peer as soon as it has an address, so that
// PeerSeen already says whether its engine answers.
func (t *table) startIfPending(now time.Time, e *entry) {
	if e.phase != phaseIdle {
		return
	}
	if len(t.addrList(e)) == 0 {
		t.ask(now, e.instance, e.host, e.p.OS == "" && e.p.Proto == "")
		return
	}
	t.probe(now, e)
}

// addDirect puts in a device reached by address (typed in, or remembered),
// after its engine answered with this identity.
func (t *table) addDirect(now time.Time, p Peer, src Source, addr netip.AddrPort) {
	if p.ID == t.self || !validID(p.ID) {
		return
	}
	e := t.peers[p.ID]
	if e == nil {
		e = &entry{p: Peer{ID: p.ID}, created: now, interval: checkFirst, addrs: map[netip.Addr]time.Time{}}
		t.peers[p.ID] = e
	}
	defer t.noteDue(e)
	before := t.view(e)
	if !e.hasDirect || src == SourceManual {
		e.direct = src
	}
	e.hasDirect = true
	e.directAddr, e.best = addr, addr
	if !e.mdns { // mDNS names come from the instance; otherwise trust the hello
		if p.Name != "" {
			e.p.Name = p.Name
		}
		if p.OS != "" {
			e.p.OS = p.OS
		}
		if p.Proto != "" {
			e.p.Proto = p.Proto
		}
	}
	e.heard, e.p.LastSeen = now, now
	e.p.Reachable = true
	e.phase, e.interval = phaseIdle, checkFirst
	e.gen++
	if !e.announced {
		t.announce(e)
	} else if !samePeer(before, t.view(e)) {
		t.emit(PeerUpdated, e)
	}
}

// ask sends a follow-up query for an instance, at most once per
// askAgainAfter, so a burst of incomplete packets causes one query.
func (t *table) ask(now time.Time, instance, host string, wantTXT bool) {
	k := strings.ToLower(instance)
	if at, ok := t.asked[k]; ok && now.Sub(at) < askAgainAfter {
		return
	}
	if len(t.asked) >= maxAsked {
		// A flood of made-up names: forget the old ones; if all are
		// recent, skip this query rather than grow.
		for n, at := range t.asked {
			if now.Sub(at) >= askAgainAfter {
				delete(t.asked, n)
			}
		}
		if len(t.asked) >= maxAsked {
			return
		}
	}
	t.asked[k] = now
	t.actions = append(t.actions, action{kind: actQuery, instance: instance, host: host, wantTXT: wantTXT})
}

func (t *table) expireAddrs(now time.Time, e *entry) {
	changed := false
	for a, exp := range e.addrs {
		if now.After(exp) && a != e.best.Addr() {
			delete(e.addrs, a)
			changed = true
		}
	}
	if changed && e.announced {
		t.emit(PeerUpdated, e)
	}
	if e.mdns && len(e.addrs) == 0 && e.phase == phaseIdle {
		t.ask(now, e.instance, e.host, false)
	}
}

func (t *table) dropMDNS(e *entry) {
	if k := strings.ToLower(e.instance); t.byInstance[k] == e.p.ID {
		delete(t.byInstance, k)
	}
	e.mdns, e.instance, e.host, e.port = false, "", "", 0
	e.goneAt = time.Time{}
	clear(e.addrs)
	e.best = e.directAddr
}

func (t *table) lose(e *entry) {
	if e.announced {
		t.emit(PeerLost, e)
	}
	t.forget(e)
}

func (t *table) forget(e *entry) {
	if k := strings.ToLower(e.instance); e.instance != "" && t.byInstance[k] == e.p.ID {
		delete(t.byInstance, k)
	}
	delete(t.peers, e.p.ID)
}

func (t *table) announce(e *entry) {
	e.announced = true
	t.emit(PeerSeen, e)
}

func (t *table) emit(kind EventKind, e *entry) {
	t.events = append(t.events, Event{Kind: kind, Peer: t.view(e)})
}

// view is the Peer a caller sees: addresses ordered best first, then by how
// likely they are to work from elsewhere on the LAN.
func (t *table) view(e *entry) Peer {
	p := e.p.clone()
	p.Addrs = t.addrList(e)
	switch {
	case e.mdns:
		p.Source = SourceMDNS
	case e.hasDirect:
		p.Source = e.direct
	}
	return p
}

func (t *table) addrList(e *entry) []netip.AddrPort {
	var out []netip.AddrPort
	if e.port != 0 {
		for a := range e.addrs {
			out = append(out, netip.AddrPortFrom(a, e.port))
		}
	}
	if e.directAddr.IsValid() && !slices.Contains(out, e.directAddr) {
		out = append(out, e.directAddr)
	}
	slices.SortFunc(out, func(a, b netip.AddrPort) int {
		if c := cmp.Compare(addrRank(a, e.best), addrRank(b, e.best)); c != 0 {
			return c
		}
		return a.Compare(b)
	})
	return out
}

func addrRank(a, best netip.AddrPort) int {
	ip := a.Addr()
	switch {
	// A link-local address that won the probe race is no better than
	// another: it only works with its zone, and people can't type it.
	case a == best && !(ip.Is6() && ip.IsLinkLocalUnicast()):
		return 0
	case ip.IsLoopback():
		return 5
	case ip.Is4() && !ip.IsLinkLocalUnicast():
		return 1
	case ip.Is6() && !ip.IsLinkLocalUnicast():
		return 2
	case ip.Is4():
		return 3
	}
	return 4
}

// snapshot lists the announced peers by name, then ID.
func (t *table) snapshot() []Peer {
	var out []Peer
	for _, e := range t.sorted() {
		if e.announced {
			out = append(out, t.view(e))
		}
	}
	return out
}

func (t *table) sorted() []*entry {
	// Each name is lowered once, not in every comparison: tick sorts the
	// table at each deadline, and in a room of 40 lowering in every
	// comparison was most of an idle device's discovery work.
	type keyed struct {
		name string
		e    *entry
	}
	ks := make([]keyed, 0, len(t.peers))
	for _, e := range t.peers {
		ks = append(ks, keyed{strings.ToLower(e.p.Name), e})
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if c := cmp.Compare(a.name, b.name); c != 0 {
			return c
		}
		return cmp.Compare(a.e.p.ID, b.e.p.ID)
	})
	out := make([]*entry, len(ks))
	for i, k := range ks {
		out[i] = k.e
	}
	return out
}

func (t *table) get(id string) (Peer, bool) {
	e := t.peers[id]
	if e == nil || !e.announced {
		return Peer{}, false
	}
	return t.view(e), true
}

func samePeer(a, b Peer) bool {
	return a.ID == b.ID && a.Name == b.Name && a.OS == b.OS && a.Proto == b.Proto &&
		a.Source == b.Source && a.Reachable == b.Reachable && slices.Equal(a.Addrs, b.Addrs)
}
