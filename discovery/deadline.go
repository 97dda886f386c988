package discovery

import (
	"strings"
	"time"
)

// Deadlines: the Serve loop sleeps until the table's next deadline (or its
// own: a heartbeat, a query, the interface check) instead of ticking every
// second. In an idle room every peer's heartbeat pushes its silence
// deadline back, so the loop wakes for its own heartbeat and little else:
// a laptop in a classroom of 40 wakes for the room's packets, not for a
// clock. tick is still the only thing that acts on a deadline; this file
// only says when it next has something to do.

// entryDue is the earliest time tick has work for e (see tick and
// expireAddrs for each rule); zero when it has none.
func (t *table) entryDue(e *entry) time.Time {
	var at time.Time
	soon := func(x time.Time) {
		if at.IsZero() || x.Before(at) {
			at = x
		}
	}
	if !e.goneAt.IsZero() {
		soon(e.goneAt)
	}
	for a, exp := range e.addrs {
		if a != e.best.Addr() {
			soon(exp.Add(time.Nanosecond)) // expired once now.After(exp)
		}
	}
	if e.mdns && len(e.addrs) == 0 && e.phase == phaseIdle {
		// expireAddrs asks for them again; ask lets one query through per
		// askAgainAfter.
		soon(t.asked[strings.ToLower(e.instance)].Add(askAgainAfter))
	}
	switch e.phase {
	case phaseIdle:
		if e.announced {
			soon(e.heard.Add(e.interval))
			break
		}
		soon(e.created.Add(pendingLimit + time.Nanosecond))
		if e.mdns && !e.deferred {
			soon(e.created.Add(firstProbeWait))
		}
	case phaseProbing:
		soon(e.phaseEnd.Add(time.Nanosecond))
	case phaseConfirm:
		soon(e.phaseEnd)
		if !e.retried {
			soon(e.phaseEnd.Add(confirmRetry - confirmWait))
		}
	}
	return at
}

// nextDue is the earliest deadline in the table, zero when there is none.
// It also forgets what noteDue collected: the caller is about to sleep
// until this.
func (t *table) nextDue() time.Time {
	var at time.Time
	for _, e := range t.peers {
		if d := t.entryDue(e); !d.IsZero() && (at.IsZero() || d.Before(at)) {
			at = d
		}
	}
	t.soon = time.Time{}
	return at
}

// noteDue collects e's deadline after a change outside tick (a packet, a
// probe's answer), so that the Serve loop is woken when it falls before the
// time the loop meant to sleep until (takeSoon).
func (t *table) noteDue(e *entry) {
	if d := t.entryDue(e); !d.IsZero() && (t.soon.IsZero() || d.Before(t.soon)) {
		t.soon = d
	}
}

// takeSoon returns and forgets the earliest deadline noteDue collected.
func (t *table) takeSoon() time.Time {
	d := t.soon
	t.soon = time.Time{}
	return d
}

// earliest is the earliest of ts that is after now; zero when none is.
func earliest(now time.Time, ts ...time.Time) time.Time {
	var at time.Time
	for _, x := range ts {
		if x.After(now) && (at.IsZero() || x.Before(at)) {
			at = x
		}
	}
	return at
}

// knownDue is when retryKnown next has a device to look for.
func (s *Service) knownDue() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var at time.Time
	for id, k := range s.known {
		if e := s.table.peers[id]; k.busy || e != nil && e.announced {
			continue
		}
		if at.IsZero() || k.next.Before(at) {
			at = k.next
		}
	}
	return at
}

// visibilityEnds is when a "visible for a while" setting runs out, so the
// goodbye goes out then; zero when it doesn't.
func (s *Service) visibilityEnds() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vis.Mode == VisibleUntil {
		return s.vis.Until
	}
	return time.Time{}
}
