package transfer

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lastEvents keeps each receiver's latest event.
type lastEvents struct {
	mu sync.Mutex
	ev map[int]Event
}

func watch(c *swarmCase) *lastEvents {
	le := &lastEvents{ev: map[int]Event{}}
	for i, rx := range c.rxs {
		f := func(e Event) {
			le.mu.Lock()
			le.ev[i] = e
			le.mu.Unlock()
		}
		rx.on.Store(&f)
	}
	return le
}

func (le *lastEvents) get(i int) Event {
	le.mu.Lock()
	defer le.mu.Unlock()
	return le.ev[i]
}

// until polls cond every 10 ms for at most d.
func until(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type sendResult struct {
	evs  []Event
	errs []error
}

func (c *swarmCase) sendAsync(ctx context.Context, t *testing.T, opt SendOptions) <-chan sendResult {
	out := make(chan sendResult, 1)
	go func() {
		evs, errs := c.sendAll(ctx, t, opt, nil)
		out <- sendResult{evs, errs}
	}()
	return out
}

// swarmDial opens a swarm link to a member as id would.
func swarmDial(t *testing.T, id *Identity, to *swarmNode, swarm string) *session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", to.addr)
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(raw, id.ClientTLS(to.id.ID))
	if err := tc.HandshakeContext(ctx); err != nil {
		t.Fatal(err)
	}
	ss := newSession(tc)
	if err := ss.afterHandshake(); err != nil {
		t.Fatal(err)
	}
	if _, err := exchangeHello(ss, helloFor(Hello{Name: "Orang asing", Swarm: swarm}), true); err != nil {
		t.Fatal(err)
	}
	return ss
}

// A member that leaves at 40% stalls nobody; the others finish, and while
// they wait for it a stranger asking for pieces is refused while the
// member's own identity is served; restarted, it resumes from its pieces.
func TestSwarmMemberLeavesAndReturns(t *testing.T) {
	slow := func(s *Server) { s.swarmSlow = 20 * time.Millisecond }
	c := newSwarmCase(t, 4, 16<<20, slow)
	total := c.total()
	relay := newCutter(t, c.rxs[0].addr)
	c.via = func(i int) string {
		if i == 0 {
			return relay.ln.Addr().String()
		}
		return c.rxs[i].addr
	}
	le := watch(c)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res := c.sendAsync(ctx, t, SendOptions{RetryFor: time.Minute})

	until(t, 30*time.Second, "member 0 at 40%", func() bool { return le.get(0).Done >= total*4/10 })
	swarm := c.sw.Load().ID
	// Member 0's predecessor in the ring lingers for it (it pulls there).
	pred := -1
	for i, rx := range c.rxs {
		if rx.ringIndex(swarm) == (c.rxs[0].ringIndex(swarm)+len(c.rxs)-1)%len(c.rxs) {
			pred = i
		}
	}
	relay.cut() // as if it were killed: no goodbye
	c.rxs[0].stop()
	left := le.get(0).Done
	for len(c.rxs[0].final) > 0 {
		<-c.rxs[0].final // this run's end; the next run's is awaited below
	}
	if left >= total {
		t.Fatalf("member 0 finished before it could leave")
	}
	for i := 1; i < 4; i++ {
		var e Event
		select {
		case e = <-c.rxs[i].final:
		case <-time.After(60 * time.Second):
			for j := range c.rxs {
				t.Logf("member %d: %+v %+v", j, le.get(j), le.get(j).Swarm)
			}
			t.Fatalf("member %d never finished without member 0", i)
		}
		if e.State != StateDone {
			t.Fatalf("member %d without member 0: %+v", i, e)
		}
		c.checkFiles(t, c.rxs[i])
	}

	// Its predecessor waits for member 0 now: only members may ask it.
	stranger, err := NewEphemeralIdentity()
	if err != nil {
		t.Fatal(err)
	}
	ss := swarmDial(t, stranger, c.rxs[pred], swarm)
	_ = ss.fw.control(FrameRequest, PieceRequest{Piece: 0})
	ft, p, err := ss.fr.next()
	if ft != FrameError || err != nil {
		t.Fatalf("stranger got frame %d (%v), want an error", ft, err)
	}
	var refusal ErrorMsg
	if err := decodeJSON(p, &refusal, "error"); err != nil || refusal.Code != "not-member" {
		t.Fatalf("stranger's refusal: %s (%v)", p, err)
	}
	t.Logf("stranger refused: %s", p)
	ss.close()
	ok := swarmDial(t, c.rxs[0].id, c.rxs[pred], swarm)
	if ft, _, err := ok.fr.next(); ft != FrameHave || err != nil {
		t.Fatalf("a member got frame %d (%v), want its have map", ft, err)
	}
	ok.close()

	c.rxs[0].start()
	first := make(chan Event, 1)
	f := func(e Event) {
		select {
		case first <- e:
		default:
		}
	}
	c.rxs[0].on.Store(&f)
	r := <-res
	for i := range c.rxs {
		if r.errs[i] != nil || r.evs[i].State != StateDone {
			t.Fatalf("sender to %d: %v %+v", i, r.errs[i], r.evs[i])
		}
	}
	e := c.rxs[0].waitFinal(t)
	if e.State != StateDone {
		t.Fatalf("member 0 after its return: %+v", e)
	}
	c.checkFiles(t, c.rxs[0])
	t.Logf("FIGURE member 0 left at %d of %d B; back, it took in %d B more (%d from members)", left, total, e.Sent, e.Swarm.FromPeers)
	if e.Sent > total-left+2<<20 {
		t.Fatalf("member 0 took in %d B after holding %d of %d: it did not resume", e.Sent, left, total)
	}
}

// Once every piece is out, the sender may vanish: the members finish from
// each other.
func TestSwarmSenderLeaves(t *testing.T) {
	slow := func(s *Server) { s.swarmSlow = 20 * time.Millisecond }
	c, relays, le, fromSender, kill, res := senderLeavesCase(t, slow)
	total := c.total()
	until(t, 30*time.Second, "every piece out of the sender", func() bool { return fromSender() >= total })
	var uplink int64
	for _, r := range relays {
		uplink += r.cut()
	}
	kill()
	unfinished := 0
	for i := range c.rxs {
		if le.get(i).Done < total {
			unfinished++
		}
	}
	<-res
	if unfinished == 0 {
		t.Fatal("every member had finished before the sender left: nothing was tested")
	}
	for i, rx := range c.rxs {
		e := rx.waitFinal(t)
		if e.State != StateDone {
			t.Fatalf("member %d after the sender left: %+v", i, e)
		}
		c.checkFiles(t, rx)
	}
	t.Logf("FIGURE sender left with %d members unfinished; its uplink %d B for %d B (%.2fx)", unfinished, uplink, total, float64(uplink)/float64(total))
}

// senderLeavesCase starts a send to 4 members of 16 MiB, each reached
// through a relay that can cut the sender off; fromSender sums what members
// report having from the sender, kill ends the send, res closes with it.
func senderLeavesCase(t *testing.T, opt func(*Server)) (c *swarmCase, relays []*cutter, le *lastEvents, fromSender func() int64, kill context.CancelFunc, res <-chan sendResult) {
	c = newSwarmCase(t, 4, 16<<20, opt)
	relays = make([]*cutter, len(c.rxs))
	for i, rx := range c.rxs {
		relays[i] = newCutter(t, rx.addr)
	}
	c.via = func(i int) string { return relays[i].ln.Addr().String() }
	le = watch(c)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	sctx, kill := context.WithCancel(ctx)
	res = c.sendAsync(sctx, t, SendOptions{RetryFor: time.Minute})
	fromSender = func() int64 {
		var n int64
		for i := range c.rxs {
			if e := le.get(i); e.Swarm != nil {
				n += e.Sent - e.Swarm.FromPeers
			}
		}
		return n
	}
	return c, relays, le, fromSender, kill, res
}

// A member serving damaged pieces is dropped by the others, who get those
// pieces elsewhere; every file arrives intact.
func TestSwarmCorruptMemberDropped(t *testing.T) {
	c := newSwarmCase(t, 2, 8<<20)
	bad := newSwarmNode(t, func(s *Server) { s.swarmCorrupt = true })
	c.rxs = append(c.rxs, bad)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	evs, errs := c.sendAll(ctx, t, SendOptions{}, nil)
	for i := range c.rxs {
		if errs[i] != nil || evs[i].State != StateDone {
			t.Fatalf("target %d: %v %+v", i, errs[i], evs[i])
		}
	}
	// The bad member serves its successor in the ring, which must drop
	// and report it; nobody reports anyone else.
	swarm := c.sw.Load().ID
	succ := (bad.ringIndex(swarm) + 1) % len(c.rxs)
	for i, rx := range c.rxs {
		idx := rx.ringIndex(swarm)
		e := rx.waitFinal(t)
		if e.State != StateDone {
			t.Fatalf("member %d: %+v", i, e)
		}
		c.checkFiles(t, rx)
		reported := e.Swarm != nil && len(e.Swarm.Dropped) == 1 && e.Swarm.Dropped[0] == bad.id.ID
		if idx == succ && !reported {
			t.Fatalf("member %d, the corrupt member's successor, did not report it: %+v", i, e.Swarm)
		}
		if e.Swarm != nil && len(e.Swarm.Dropped) > 0 && !reported {
			t.Fatalf("member %d reported %v, want only the corrupt member", i, e.Swarm.Dropped)
		}
	}
}

// A receiver without the swarm capability (an older Lempar) gets a direct
// transfer; the others still form a swarm.
func TestSwarmOldPeerGoesDirect(t *testing.T) {
	c := newSwarmCase(t, 2, 4<<20)
	old := newSwarmNode(t, func(s *Server) { s.swarmless = true })
	c.rxs = append(c.rxs, old)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	evs, errs := c.sendAll(ctx, t, SendOptions{}, nil)
	for i := range c.rxs {
		if errs[i] != nil || evs[i].State != StateDone {
			t.Fatalf("target %d: %v %+v", i, errs[i], evs[i])
		}
	}
	for i, rx := range c.rxs {
		e := rx.waitFinal(t)
		c.checkFiles(t, rx)
		if swarm := e.Swarm != nil; swarm != (i < 2) {
			t.Fatalf("member %d: swarm %v (%+v)", i, swarm, e.Swarm)
		}
		if i < 2 && e.Swarm.Members != 2 {
			t.Fatalf("member %d: swarm of %d, want 2", i, e.Swarm.Members)
		}
	}
}

// A member slow to join (its manifest handled after the others' owner
// grace) refuses the others' links as "not-member" meanwhile. That is not
// "gone": the others must not fetch its pieces from the sender, which
// pushes them to it anyway. They once did, so the bytes members had from
// the sender added up to the file while pieces of the slow member's share
// had not left the sender; a sender that vanished then (the lan test
// TestSwarmSenderKilled kills it at exactly that point) left those pieces
// with nobody, and every member stalled one or more pieces short.
func TestSwarmSlowJoinerNotGone(t *testing.T) {
	var made atomic.Int32
	opt := func(s *Server) {
		s.swarmSlow = 20 * time.Millisecond
		if made.Add(1) == 4 { // the last member
			s.swarmJoinDelay = ownerGrace + time.Second
		}
	}
	c, relays, le, fromSender, kill, res := senderLeavesCase(t, opt)
	total := c.total()
	until(t, 60*time.Second, "the members' bytes from the sender add up to the files", func() bool { return fromSender() >= total })
	for _, r := range relays {
		r.cut()
	}
	kill()
	<-res
	for i, rx := range c.rxs {
		select {
		case e := <-rx.final:
			if e.State != StateDone {
				t.Fatalf("member %d after the sender left: %+v", i, e)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("member %d stalled after the sender left: %d of %d bytes", i, le.get(i).Done, total)
		}
		c.checkFiles(t, rx)
	}
}

// A swarm member whose session ended as its last file was placed must not
// stay parked as a transfer to continue: the same file sent again from the
// same device is a new transfer, reported by its own events (it was once
// attached to the finished one and reported by none).
func TestUnparkSkipsFinished(t *testing.T) {
	s := &Server{parked: map[string]*parked{}}
	tr := newTracker(Event{}, nil)
	s.park("swarm-session", &parked{peerID: "guru", sig: "same-file", tr: tr}, func() {})
	tr.finish(StateDone, nil)
	if p := s.unpark("direct-session", "guru", "same-file"); p != nil {
		t.Fatal("a new offer continued a finished transfer")
	}
}

// A direct send right after a swarm send of the same file to the same
// receiver is its own transfer, reported to its end.
func TestSwarmThenDirectSameFile(t *testing.T) {
	c := newSwarmCase(t, 2, 2<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, errs := c.sendAll(ctx, t, SendOptions{}, nil)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("swarm send to %d: %v", i, err)
		}
	}
	for _, rx := range c.rxs {
		if e := rx.waitFinal(t); e.State != StateDone {
			t.Fatalf("swarm: %+v", e)
		}
	}
	rx := c.rxs[0]
	ev, err := Send(ctx, c.id, SendOptions{Addr: rx.addr, PeerID: rx.id.ID, Hello: Hello{Name: "Guru"}}, c.srcs)
	if err != nil || ev.State != StateDone {
		t.Fatalf("direct send after the swarm: %v %+v", err, ev)
	}
	if e := rx.waitFinal(t); e.State != StateDone || e.Swarm != nil {
		t.Fatalf("the receiver's report of the direct send: %+v", e)
	}
}

// A swarm left with one accepter (the other target an older Lempar, which
// goes direct) is reported as the direct transfer it is, on both sides.
func TestSwarmOfOneIsDirect(t *testing.T) {
	c := newSwarmCase(t, 1, 2<<20)
	c.rxs = append(c.rxs, newSwarmNode(t, func(s *Server) { s.swarmless = true }))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	evs, errs := c.sendAll(ctx, t, SendOptions{}, nil)
	for i, rx := range c.rxs {
		if errs[i] != nil || evs[i].State != StateDone || evs[i].Swarm != nil {
			t.Fatalf("target %d: %v %+v", i, errs[i], evs[i])
		}
		if e := rx.waitFinal(t); e.State != StateDone || e.Swarm != nil {
			t.Fatalf("receiver %d: %+v", i, e)
		}
		c.checkFiles(t, rx)
	}
}
