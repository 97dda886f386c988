package discovery

import (
	"net/netip"
	"slices"
	"time"
)

// Timing of the liveness rules; doc.go explains how they add up to the
// promised 2 s after a goodbye and 15 s after a crash.
const (
	goodbyeGrace  = 500 * time.Millisecond // RFC 6762 10.1 keeps a record 1 s; a rename lands well within this
	checkFirst    = 4 * time.Second        // silence before the first check of a peer
	checkMaxAlive = 8 * time.Second        // checks of a reachable peer slow down to this
	// silenceBudget is how long a reachable mDNS peer may be silent before
	// it is probed: two of its heartbeats (heartbeat.go, at most 4.4 s
	// apart) lost in a row. A crash is noticed within it plus a probe
	// (1.5 s at worst) and confirmWait: under 13 s.
	silenceBudget = 2*(heartbeatEvery+heartbeatJitter) + 200*time.Millisecond
	checkMaxDead  = 60 * time.Second // and of an announced but unreachable one to this
	confirmWait   = 2 * time.Second  // after a failed probe: re-query, re-probe, then give up
	confirmRetry  = 1 * time.Second  // second query and probe within confirmWait
	probeTimeout  = 1500 * time.Millisecond
	pendingLimit  = 10 * time.Second // an instance that never yields an address is forgotten
	askAgainAfter = 2 * time.Second  // at most one follow-up query per instance in this time
	// firstProbeWait: a Lempar announcement that came from an address
	// the device doesn't list waits this long for one that does before
	// the peer is probed (table.go, selfAnnounced).
	firstProbeWait = time.Second
)

// phase is where a peer is in its liveness check.
type phase uint8

const (
	phaseIdle    phase = iota // alive; checked again after interval of silence
	phaseProbing              // TCP probe in flight
	phaseConfirm              // probe failed: re-queried and re-probed, lost at phaseEnd
)

// tick runs the timers: goodbyes falling due, address expiry, liveness
// checks and their deadlines.
func (t *table) tick(now time.Time) {
	for k, at := range t.asked {
		if now.Sub(at) > time.Minute {
			delete(t.asked, k)
		}
	}
	for _, e := range t.sorted() {
		if !e.goneAt.IsZero() && !now.Before(e.goneAt) {
			t.dropMDNS(e)
			if !e.hasDirect {
				t.lose(e)
				continue
			}
			// Known by address too: it may only have gone hidden, or it
			// may have quit. One probe decides, with no second chance,
			// so a quit device is gone as quickly as any other.
			e.byeCheck = true
			t.probe(now, e)
			continue
		}
		t.expireAddrs(now, e)
		switch e.phase {
		case phaseIdle:
			if !e.announced && now.Sub(e.created) > pendingLimit {
				t.forget(e)
				continue
			}
			if !e.announced && e.mdns && !e.deferred && now.Sub(e.created) >= firstProbeWait {
				e.deferred = true // once: after this, records start probes as before
				t.startIfPending(now, e)
			}
			if e.announced && now.Sub(e.heard) >= e.interval {
				t.check(now, e)
			}
		case phaseProbing:
			if now.Sub(e.phaseEnd) > 0 { // the prober never reported; treat as failed
				t.probeDone(now, e.p.ID, e.gen, netip.AddrPort{}, false)
			}
		case phaseConfirm:
			switch {
			case !now.Before(e.phaseEnd):
				t.lose(e)
			case !e.retried && !now.Before(e.phaseEnd.Add(confirmRetry-confirmWait)):
				e.retried = true
				t.confirmActions(e)
			}
		}
	}
}

func (t *table) check(now time.Time, e *entry) {
	if len(t.addrList(e)) > 0 {
		t.probe(now, e)
		return
	}
	t.confirm(now, e)
}

func (t *table) probe(now time.Time, e *entry) {
	e.phase = phaseProbing
	e.phaseEnd = now.Add(2 * probeTimeout)
	e.gen++
	addrs := t.addrList(e)
	if t.local != nil {
		addrs = slices.DeleteFunc(addrs, func(a netip.AddrPort) bool { return a != e.directAddr && !t.onLink(a.Addr()) })
	}
	t.actions = append(t.actions, action{kind: actProbe, id: e.p.ID, gen: e.gen, addrs: addrs})
}

// probeDone takes the answer to a probe of addrs for id; best is the address
// that answered.
func (t *table) probeDone(now time.Time, id string, gen uint64, best netip.AddrPort, ok bool) {
	e := t.peers[id]
	if e == nil || e.gen != gen || e.phase == phaseIdle {
		return
	}
	defer t.noteDue(e)
	if ok {
		wasReachable, oldBest := e.p.Reachable, e.best
		e.phase = phaseIdle
		e.heard, e.p.LastSeen = now, now
		e.best, e.p.Reachable = best, true
		switch {
		case e.mdns:
			// Its heartbeats keep it fresh; a probe only when they stop.
			e.interval = silenceBudget
		case wasReachable:
			e.interval = min(e.interval*3/2, checkMaxAlive)
		default:
			e.interval = checkFirst
		}
		if exp, ok := e.addrs[best.Addr()]; ok && exp.Before(now.Add(minAddrTTL)) {
			e.addrs[best.Addr()] = now.Add(minAddrTTL)
		}
		switch {
		case !e.announced:
			t.announce(e)
		case !wasReachable || oldBest != best || e.byeCheck:
			t.emit(PeerUpdated, e)
		}
		e.byeCheck = false
		return
	}
	if e.byeCheck {
		t.lose(e)
		return
	}
	if e.phase == phaseConfirm {
		return // the deadline decides
	}
	if !e.announced {
		// Announced over mDNS but its engine does not answer (another
		// program's record, a firewall): list it, marked unreachable, and
		// look again later.
		e.phase = phaseIdle
		e.p.Reachable = false
		e.interval = 2 * checkFirst
		if e.mdns {
			t.announce(e)
		} else {
			t.forget(e)
		}
		return
	}
	t.confirm(now, e)
}

// confirm starts the last chance of a silent peer: an mDNS query (if it was
// announced) and a second probe a moment later.
func (t *table) confirm(now time.Time, e *entry) {
	e.phase = phaseConfirm
	e.phaseEnd = now.Add(confirmWait)
	e.retried = false
	if e.mdns {
		t.query(e)
	}
}

func (t *table) confirmActions(e *entry) {
	if e.mdns {
		t.query(e)
	}
	if addrs := t.addrList(e); len(addrs) > 0 {
		e.gen++
		t.actions = append(t.actions, action{kind: actProbe, id: e.p.ID, gen: e.gen, addrs: addrs})
	}
}

func (t *table) query(e *entry) {
	host := ""
	if len(e.addrs) == 0 {
		host = e.host
	}
	t.actions = append(t.actions, action{kind: actQuery, instance: e.instance, host: host})
}
