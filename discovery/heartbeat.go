package discovery

import (
	"time"

	"github.com/miekg/dns"
)

// Heartbeats: each visible device multicasts its own announcement every
// 3.6–4.4 s (4 s, jittered so a room that started together drifts apart),
// on each interface, over IPv4 where other devices are heard over IPv4
// (ipv4Memory) and else over both families. That is all the steady state
// costs: a packet per device per 4 s, so a room's idle traffic grows with
// the number of devices, not with its square. A peer silent for
// silenceBudget (two heartbeats lost in a row) gets one unicast probe
// (liveness.go); only a device that went quiet is checked.
//
// Answers to room queries (query.go) are the same announcement, 20–120 ms
// after the query (RFC 6762 6: a shared record's answer is delayed so
// answers from many devices spread out) and never sooner than a second
// after our last one (RFC 6762 6: a record is multicast at most once a
// second): a class starting at once costs each device at most one
// announcement a second however many queries it hears. An answer counts as
// a heartbeat.
const (
	heartbeatEvery  = 4 * time.Second
	heartbeatJitter = 400 * time.Millisecond // ± around heartbeatEvery
	answerMin       = 20 * time.Millisecond
	answerMax       = 120 * time.Millisecond
	announceGap     = time.Second // at most one announcement per second
	// ipv4Memory: while other devices' announcements have come over IPv4
	// within it, heartbeats and answers go over IPv4 only, which halves
	// what the room sends and every device reads. Where IPv4 multicast
	// is blocked (TestLANIPv6Only) nothing comes over IPv4, and both
	// families are used.
	ipv4Memory = 30 * time.Second
)

// beatPlan is the heartbeat and answer schedule of the Serve loop.
type beatPlan struct {
	last   time.Time // our last announcement
	next   time.Time // next heartbeat
	answer time.Time // a room query's answer is due then; zero: none
}

// sent records an announcement made at now (a start, heartbeat or answer).
func (b *beatPlan) sent(now time.Time) {
	b.last = now
	b.next = now.Add(jitter(heartbeatEvery-heartbeatJitter, heartbeatEvery+heartbeatJitter))
	b.answer = time.Time{}
}

// asked schedules an answer to a room query heard at now.
func (b *beatPlan) asked(now time.Time) {
	if !b.answer.IsZero() {
		return // one answer covers every query heard before it goes
	}
	b.answer = now.Add(jitter(answerMin, answerMax))
	if earliest := b.last.Add(announceGap); b.answer.Before(earliest) {
		b.answer = earliest
	}
}

// due reports whether the announcement should go out now.
func (b *beatPlan) due(now time.Time) bool {
	return !b.next.IsZero() && !now.Before(b.next) || !b.answer.IsZero() && !now.Before(b.answer)
}

// wake is the next time the plan needs the loop, or zero.
func (b *beatPlan) wake() time.Time {
	w := b.next
	if !b.answer.IsZero() && (w.IsZero() || b.answer.Before(w)) {
		w = b.answer
	}
	return w
}

// heartbeat sends our announcement when the heartbeat or a room query's
// answer is due (heartbeat.go).
func (s *Service) heartbeat(st *serveState, now time.Time) {
	s.mu.Lock()
	asked, self := s.asked, s.self
	s.asked = false
	s.mu.Unlock()
	if st.ann == nil || st.mon == nil {
		return
	}
	if asked {
		st.beat.asked(now)
	}
	if st.beat.due(now) {
		s.mu.Lock()
		v6 := now.Sub(s.heard4) > ipv4Memory
		s.mu.Unlock()
		st.mon.sendOn(announcement(self, st.ann.instance, st.nc.addrs), v6)
		st.beat.sent(now)
	}
}

// noteFamily remembers when another device's records came over IPv4.
// Called with s.mu held.
func (s *Service) noteFamily(now time.Time, pk packet, at arrival) {
	if !at.src.Is4() {
		return
	}
	for _, o := range pk.obs {
		if o.hasTXT && validID(o.txt.id) && o.txt.id != s.self.ID {
			s.heard4 = now
			return
		}
	}
}

// onQuery notes a room query that wants our announcement; the Serve loop
// answers it.
func (s *Service) onQuery(msg *dns.Msg) {
	s.mu.Lock()
	instance := escapeLabel(instanceLabel(s.self.Name, s.self.ID, s.suffixed))
	if !roomQueryFor(msg, instance) {
		s.mu.Unlock()
		return
	}
	s.asked = true
	s.mu.Unlock()
	s.poke()
}
