package discovery

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/lempar/lempar/internal/netns"
)

// Issue 17: what an idle room costs. The schedules are checked with
// explicit times; the assumption they rest on (zeroconf's server leaves
// room queries and known answers alone) and the monitor's answers against
// real sockets.

func TestQueryPlanBacksOff(t *testing.T) {
	var q queryPlan
	q.reset(t0)
	if q.next.Before(t0.Add(firstQueryMin)) || !q.next.Before(t0.Add(firstQueryMax)) {
		t.Fatalf("first query at +%v, want 20–120 ms", q.next.Sub(t0))
	}
	var at []time.Duration
	var rooms int
	for now := t0; now.Before(t0.Add(3 * time.Hour)); now = now.Add(tickEvery) {
		if send, room := q.due(now); send {
			at = append(at, now.Sub(t0))
			if room {
				rooms++
				if len(at) != 1 {
					t.Fatalf("room query #%d", len(at))
				}
			}
		}
	}
	if rooms != 1 {
		t.Fatalf("%d room queries", rooms)
	}
	gaps := []time.Duration{}
	for i := 1; i < len(at); i++ {
		gaps = append(gaps, at[i]-at[i-1])
	}
	if gaps[0] != plainQueryGap || gaps[1] != requeryFirst {
		t.Fatalf("gaps %v: want 2 s, then 8 s", gaps)
	}
	inFirstMinute := 0
	for _, a := range at {
		if a < time.Minute {
			inFirstMinute++
		}
	}
	for i := 2; i < len(gaps); i++ {
		if gaps[i] != min(2*gaps[i-1], requeryMax) {
			t.Fatalf("gaps %v: not doubling to an hour", gaps)
		}
	}
	if gaps[len(gaps)-1] != requeryMax || inFirstMinute > 5 {
		t.Fatalf("queries at %v", at)
	}
}

func TestBeatPlan(t *testing.T) {
	var b beatPlan
	b.sent(t0)
	for range 100 {
		d := b.next.Sub(b.last)
		if d < heartbeatEvery-heartbeatJitter || d >= heartbeatEvery+heartbeatJitter {
			t.Fatalf("heartbeat after %v", d)
		}
		b.sent(b.next)
	}
	// A query 300 ms after an announcement is answered a second after it,
	// and queries heard meanwhile share the answer.
	b.sent(t0)
	b.asked(t0.Add(300 * time.Millisecond))
	first := b.answer
	b.asked(t0.Add(500 * time.Millisecond))
	if b.answer != first || first != t0.Add(announceGap) {
		t.Fatalf("answer at +%v (then %v), want +1 s once", first.Sub(t0), b.answer.Sub(t0))
	}
	if b.due(first.Add(-time.Millisecond)) || !b.due(first) {
		t.Fatal("answer not due exactly then")
	}
	// Long after: 20–120 ms.
	b.sent(t0)
	q := t0.Add(2 * time.Second)
	b.asked(q)
	if d := b.answer.Sub(q); d < answerMin || d >= answerMax {
		t.Fatalf("answer after %v", d)
	}
	if w := b.wake(); w != b.answer {
		t.Fatalf("wake at %v, answer at %v", w, b.answer)
	}
}

func TestRoomQueryFor(t *testing.T) {
	me := escapeLabel("Budi's PC")
	room := browseQuery(nil, true)
	if !roomQueryFor(room, me) {
		t.Fatal("a room query without known answers is not for us")
	}
	if plain := browseQuery(nil, false); roomQueryFor(plain, me) {
		t.Fatal("a plain query (zeroconf answers those) taken as a room query")
	}
	if roomQueryFor(browseQuery([]knownAnswer{{me, recordTTL}}, true), me) {
		t.Fatal("answered although listed as a known answer")
	}
	if !roomQueryFor(browseQuery([]knownAnswer{{me, knownAnswerMin - 1}}, true), me) {
		t.Fatal("a known answer with less than half its TTL left suppressed ours")
	}
	if !roomQueryFor(browseQuery([]knownAnswer{{escapeLabel("Other"), recordTTL}}, true), me) {
		t.Fatal("another device's known answer suppressed ours")
	}
	resp := announcement(Self{ID: selfID, Name: "x", Port: 1}, me, nil)
	resp.Ns = room.Ns
	if roomQueryFor(resp, me) {
		t.Fatal("a response taken as a query")
	}
}

func TestBrowseQueryFitsOneFrame(t *testing.T) {
	var known []knownAnswer
	for i := range 300 {
		known = append(known, knownAnswer{escapeLabel(fmt.Sprintf("Desk number %03d", i)), recordTTL})
	}
	m := browseQuery(known, true)
	b, err := m.Pack()
	if err != nil || len(b) > maxQueryBytes {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	if n := len(m.Answer); n < 40 || m.Answer[0].(*dns.PTR).Ptr != known[0].instance+"."+serviceName {
		t.Fatalf("%d known answers, first %v", n, m.Answer[0])
	}
}

// TestTableHeartbeatsMeanNoProbes: a peer whose heartbeats keep coming is
// probed once (when it is first seen) and never again; one that falls
// silent is probed once, after silenceBudget.
func TestTableHeartbeatsMeanNoProbes(t *testing.T) {
	h := newHarness(t)
	probes := 0
	h.alive = func(time.Time, netip.AddrPort) bool { probes++; return true }
	o := obsFor("Desk", idA, "h.local.", "10.0.0.2")
	h.observe(o)
	for range 10 * 60 { // ten minutes of heartbeats
		h.advance(heartbeatEvery + heartbeatJitter)
		h.observe(o)
	}
	if probes != 1 || len(h.qs) != 0 {
		t.Fatalf("%d probes and %d queries for a heartbeating peer", probes, len(h.qs))
	}
	// Its silence deadline is all the loop wakes for, and each heartbeat
	// pushes it back: the table is ticked less than once per heartbeat
	// (it was every second before deadline.go).
	if elapsed := h.now.Sub(t0); h.ticks == 0 || time.Duration(h.ticks)*heartbeatEvery > elapsed {
		t.Fatalf("the table was ticked %d times in %v of heartbeats", h.ticks, elapsed)
	}
	h.advance(silenceBudget - tickEvery)
	if probes != 1 {
		t.Fatal("probed before its silence budget ran out")
	}
	h.advance(2 * tickEvery)
	if probes != 2 {
		t.Fatalf("%d probes after %v of silence, want 1 more", probes-1, silenceBudget+tickEvery)
	}
}

// TestZeroconfLeavesRoomQueries checks what query.go rests on, against
// zeroconf's real server: it answers a plain query for our service, but
// neither a room query (authority section) nor one listing it as a known
// answer.
func TestZeroconfLeavesRoomQueries(t *testing.T) {
	netns.RequireLoopback(t)
	nc, err := pickInterfaces(&Config{IncludeLoopback: true})
	if err != nil || len(nc.ifaces) == 0 {
		t.Fatalf("interfaces: %v %v", nc.ifaces, err)
	}
	self := Self{ID: randomID(t), Name: "Zero", Port: 7313, Proto: "1"}
	inst := escapeLabel(self.Name)
	srv, err := register(self, inst, nc)
	if err != nil {
		t.Fatal(err)
	}
	defer (&announcer{srv: srv, started: time.Now()}).shutdown()
	mon, err := openMonitor(nc.ifaces)
	if err != nil {
		t.Fatal(err)
	}
	defer mon.close()
	answers := make(chan uint16, 64)
	mon.run(func(m *dns.Msg, _ arrival) {
		if m.Response && m.Id != 0 { // answers carry the query's ID; announcements 0
			answers <- m.Id
		}
	})
	send := func(id uint16, m *dns.Msg) {
		m.Id = id
		mon.send(m)
	}
	send(1, browseQuery([]knownAnswer{{inst, recordTTL}}, false))
	send(2, browseQuery(nil, true))
	send(3, browseQuery(nil, false))
	got := map[uint16]int{}
	deadline := time.After(5 * time.Second)
	for got[3] == 0 {
		select {
		case id := <-answers:
			got[id]++
		case <-deadline:
			t.Fatalf("zeroconf never answered a plain query; got %v", got)
		}
	}
	// Queries 1 and 2 went first, on the same sockets: had zeroconf
	// answered them, those answers would be here by now, give or take the
	// other family's reader.
	grace := time.After(300 * time.Millisecond)
	for done := false; !done; {
		select {
		case id := <-answers:
			got[id]++
		case <-grace:
			done = true
		}
	}
	if got[1] != 0 || got[2] != 0 {
		t.Fatalf("answers by query: %v (1: known answer, 2: room query; want neither answered)", got)
	}
	t.Logf("answers by query: %v", got)
}

// TestMonitorAnswersRoomQueries: a running Service answers room queries
// with its announcement, once for a burst of them and never within a
// second of its last announcement, and not at all when the query lists it.
func TestMonitorAnswersRoomQueries(t *testing.T) {
	netns.RequireLoopback(t)
	n := startNode(t, "Answering Desk", nil)
	lo, err := pickInterfaces(&Config{IncludeLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	mon, err := openMonitor(lo.ifaces)
	if err != nil {
		t.Fatal(err)
	}
	defer mon.close()
	type heard struct {
		at time.Time
		v6 bool
	}
	anns := make(chan heard, 256)
	inst := escapeLabel(n.self.Name)
	mon.run(func(m *dns.Msg, at arrival) {
		if !m.Response {
			return
		}
		// Ours starts with the PTR; zeroconf's own announcements with the
		// SRV.
		if len(m.Answer) > 0 {
			if p, ok := m.Answer[0].(*dns.PTR); ok && p.Hdr.Ttl > 0 && strings.EqualFold(p.Ptr, inst+"."+serviceName) {
				anns <- heard{time.Now(), at.src.Is6()}
			}
		}
	})
	// Wait for an announcement of ours, then ask at once.
	next := func(within time.Duration) (time.Time, bool) {
		deadline := time.After(within)
		for {
			select {
			case h := <-anns:
				if !h.v6 {
					return h.at, true
				}
			case <-deadline:
				return time.Time{}, false
			}
		}
	}
	last, ok := next(10 * time.Second)
	if !ok {
		t.Fatal("no heartbeat within 10 s")
	}
	for range 5 {
		mon.send(browseQuery(nil, true))
	}
	ans, ok := next(3 * time.Second)
	if !ok {
		t.Fatal("room queries not answered")
	}
	// At least a second (the rate limit), and well before the next
	// heartbeat (3.6 s at the earliest): an answer, however slow the
	// machine.
	if d := ans.Sub(last); d < announceGap-50*time.Millisecond || d > heartbeatEvery-heartbeatJitter-500*time.Millisecond {
		t.Fatalf("answered %v after the last announcement, want a second (rate limit) plus the answer delay", d)
	}
	t.Logf("answered %v after the last announcement", ans.Sub(last).Round(time.Millisecond))
	// Five queries, one answer: the next announcement is the heartbeat.
	mon.send(browseQuery([]knownAnswer{{inst, recordTTL}}, true))
	if at, ok := next(heartbeatEvery - heartbeatJitter - 200*time.Millisecond); ok {
		t.Fatalf("announced again %v after its answer (known answer or burst not suppressed)", at.Sub(ans))
	}
}

// TestIPv4HeardMeansIPv4Only: heartbeats go over IPv4 alone only after
// another device's records came over IPv4; our own looped-back ones and
// IPv6 arrivals don't count.
func TestIPv4HeardMeansIPv4Only(t *testing.T) {
	s := New(Config{Self: Self{ID: selfID, Name: "Me", Port: 1}})
	v4 := arrival{src: netip.MustParseAddr("10.0.0.2")}
	v6 := arrival{src: netip.MustParseAddr("fe80::2")}
	other := packet{obs: []observation{{hasTXT: true, txt: txtInfo{id: idA}}}}
	own := packet{obs: []observation{{hasTXT: true, txt: txtInfo{id: selfID}}}}
	s.noteFamily(t0, own, v4)
	s.noteFamily(t0, other, v6)
	if !s.heard4.IsZero() {
		t.Fatal("our own or an IPv6 packet counted as IPv4 working")
	}
	s.noteFamily(t0, other, v4)
	if s.heard4 != t0 {
		t.Fatal("another device over IPv4 not noted")
	}
}

// TestTableOffLinkAnnouncementWaits: a Lempar announcement heard only from
// an address it doesn't list (the IPv6 link-local copy of one sent on both
// families) doesn't list the device; the loop wakes firstProbeWait later
// for it, probes it, and lists it then.
func TestTableOffLinkAnnouncementWaits(t *testing.T) {
	h := newHarness(t)
	probes := 0
	h.alive = func(time.Time, netip.AddrPort) bool { probes++; return true }
	o := obsFor("Desk", idA, hostLabel(idA)+"."+domain, "10.0.0.2")
	o.src = netip.MustParseAddr("fe80::2")
	h.observe(o)
	if probes != 0 || len(h.take()) != 0 {
		t.Fatalf("listed or probed at once (%d probes)", probes)
	}
	h.advance(firstProbeWait - time.Millisecond)
	if probes != 0 || len(h.take()) != 0 {
		t.Fatalf("listed or probed before firstProbeWait (%d probes)", probes)
	}
	h.advance(2 * time.Millisecond)
	if k := kinds(h.take()); probes != 1 || !slices.Equal(k, []EventKind{PeerSeen}) {
		t.Fatalf("%d probes and events %v after firstProbeWait, want one probe and PeerSeen", probes, k)
	}
}
