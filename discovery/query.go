package discovery

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Browsing: who is there when we start, and who never heartbeats.
//
// Lempar devices keep each other's tables fresh by heartbeating their own
// records (heartbeat.go), so queries are needed only to learn the room when
// we arrive and to find stacks that don't heartbeat (avahi, Bonjour, Lempar
// 0.1). The schedule per socket session (a session restarts whenever the
// interfaces or addresses change): a room query 20–120 ms after the start
// (RFC 6762 5.2), a plain query 2 s later, then plain queries after 8 s
// doubling to once an hour. Every query lists what we already know as
// known answers (RFC 6762 7.1), ourselves included, so only devices we
// have not heard answer it.
//
// The room query carries an authority record, as a probe does. zeroconf's
// server (every Lempar device runs one) answers each query at once, on
// both address families for each copy it receives and without jitter,
// but it leaves queries with an authority section alone; Lempar's monitors
// answer the room query instead, each with its announcement after 20–120 ms
// and at most once a second (heartbeat.go). avahi and Bonjour answer it as
// any query. The plain query 2 s later, with everything heard by then as
// known answers, reaches the responders that ignore probe-like packets.
const (
	firstQueryMin  = 20 * time.Millisecond
	firstQueryMax  = 120 * time.Millisecond
	plainQueryGap  = 2 * time.Second
	requeryFirst   = 8 * time.Second
	requeryMax     = time.Hour
	maxQueryBytes  = 1400 // known answers beyond one Ethernet frame are left out (they answer)
	knownAnswerMin = recordTTL / 2
)

// queryPlan is where a socket session is in the query schedule.
type queryPlan struct {
	next time.Time
	sent int
}

// reset starts the schedule again (new sockets: interfaces changed).
func (q *queryPlan) reset(now time.Time) {
	q.next, q.sent = now.Add(jitter(firstQueryMin, firstQueryMax)), 0
}

// due reports whether a query should go out now, and whether it is the room
// query; it advances the schedule.
func (q *queryPlan) due(now time.Time) (send, room bool) {
	if q.next.IsZero() || now.Before(q.next) {
		return false, false
	}
	room = q.sent == 0
	q.sent++
	q.next = now.Add(queryGap(q.sent))
	return true, room
}

// queryGap is the pause after the n-th query (n ≥ 1).
func queryGap(n int) time.Duration {
	if n == 1 {
		return plainQueryGap
	}
	d := requeryFirst
	for i := 2; i < n && d < requeryMax; i++ {
		d *= 2
	}
	return min(d, requeryMax)
}

// knownAnswer is an instance we know, with what remains of its PTR's TTL.
type knownAnswer struct {
	instance string // escaped label
	ttl      uint32
}

// knownAnswers lists every mDNS device in the table, most recently heard
// first, with the TTL left of its PTR as we hold it (recordTTL from when we
// last heard it).
func (t *table) knownAnswers(now time.Time) []knownAnswer {
	var out []knownAnswer
	for _, e := range t.peers {
		if !e.mdns || e.instance == "" {
			continue
		}
		age := uint32(min(now.Sub(e.heard)/time.Second, recordTTL))
		if age >= recordTTL-knownAnswerMin {
			continue // half its TTL is gone: it should answer again
		}
		out = append(out, knownAnswer{e.instance, recordTTL - age})
	}
	// Most recently heard first: if the list must be cut, those left out
	// are the ones most worth hearing from.
	slices.SortFunc(out, func(a, b knownAnswer) int { return cmp.Compare(b.ttl, a.ttl) })
	return out
}

// browseQuery asks for every instance of our service. known are listed as
// known answers while the message fits maxQueryBytes; room adds the
// authority record that makes it a room query (see above). The record is
// a TXT under a name of our own made up per query (probeName), so it
// claims nothing anyone has, and says nothing about who asks: a hidden
// device browses too.
func browseQuery(known []knownAnswer, room bool) *dns.Msg {
	m := new(dns.Msg)
	m.RecursionDesired = false
	m.Compress = true
	m.Question = []dns.Question{{Name: serviceName, Qtype: dns.TypePTR, Qclass: dns.ClassINET}}
	if room {
		m.Ns = []dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: probeName(), Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: addrTTL}, Txt: []string{""}}}
	}
	for _, k := range known {
		m.Answer = append(m.Answer, &dns.PTR{Hdr: dns.RR_Header{Name: serviceName, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: k.ttl}, Ptr: k.instance + "." + serviceName})
		if m.Len() > maxQueryBytes {
			m.Answer = m.Answer[:len(m.Answer)-1]
			break
		}
	}
	return m
}

// probeName is a name nobody else uses: lempar-q-<16 random hex>.local.
func probeName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "lempar-q-" + hex.EncodeToString(b) + "." + domain
}

// roomQueryFor reports whether msg is a room query that asks for our
// instance: a query for our service's PTR with an authority section whose
// known answers don't hold our instance with at least half its TTL.
func roomQueryFor(msg *dns.Msg, instance string) bool {
	if msg.Response || len(msg.Ns) == 0 {
		return false
	}
	asks := false
	for _, q := range msg.Question {
		if strings.EqualFold(q.Name, serviceName) && (q.Qtype == dns.TypePTR || q.Qtype == dns.TypeANY) {
			asks = true
		}
	}
	if !asks {
		return false
	}
	own := instance + "." + serviceName
	for _, rr := range msg.Answer {
		if p, ok := rr.(*dns.PTR); ok && strings.EqualFold(p.Hdr.Name, serviceName) && strings.EqualFold(p.Ptr, own) && p.Hdr.Ttl >= knownAnswerMin {
			return false
		}
	}
	return true
}

// jitter is a random duration in [lo, hi).
func jitter(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(mrand.Int64N(int64(hi-lo)))
}

// browse sends the query the schedule asks for (query.go), listing what we
// know, ourselves included, as known answers.
func (s *Service) browse(st *serveState, now time.Time) {
	if st.mon == nil {
		return
	}
	send, room := st.query.due(now)
	if !send {
		return
	}
	s.mu.Lock()
	known := s.table.knownAnswers(now)
	s.mu.Unlock()
	if st.ann != nil {
		known = append([]knownAnswer{{st.ann.instance, recordTTL}}, known...)
	}
	st.mon.send(browseQuery(known, room))
}
