package transfer

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
)

// quickRosters shortens how long a roster waits for more accepters, so a
// test's "late" answers are late by a margin without taking minutes.
func quickRosters(sw *Swarm) { sw.quiet, sw.most = 300*time.Millisecond, time.Second }

// answerAfter is an acceptor that accepts once wait returns true, or
// declines when the offer expires first.
func answerAfter(limit time.Duration, wait func(ctx context.Context) bool) func(*Server) {
	return func(s *Server) {
		s.OfferTimeout = limit
		s.Acceptor = AcceptorFunc(func(ctx context.Context, r *Request) Answer {
			return Answer{Accept: wait(ctx)}
		})
	}
}

// finals collects when each target's send ended.
type finals struct {
	mu sync.Mutex
	at map[int]time.Time
	ch map[int]chan struct{}
}

func newFinals(n int) *finals {
	f := &finals{at: map[int]time.Time{}, ch: map[int]chan struct{}{}}
	for i := range n {
		f.ch[i] = make(chan struct{})
	}
	return f
}

func (f *finals) on(i int, e Event) {
	if !e.State.Final() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.at[i]; !ok {
		f.at[i] = time.Now()
		close(f.ch[i])
	}
}

// waitAll waits for targets' ends, or ctx.
func (f *finals) waitAll(ctx context.Context, targets ...int) bool {
	for _, i := range targets {
		select {
		case <-f.ch[i]:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// A person who answers late, just before the offer expires, doesn't hold
// up those who answered at once: they swarm and finish first, and the late
// one then gets the files too, from the sender alone (a roster of one).
func TestSwarmSlowAnswerDoesNotHoldOthers(t *testing.T) {
	const limit = 5 * time.Second
	f := newFinals(3)
	var answered time.Time
	late := answerAfter(limit, func(ctx context.Context) bool {
		if !f.waitAll(ctx, 0, 1) {
			return false // the others never finished: the swarm waited for us
		}
		dl, _ := ctx.Deadline()
		select {
		case <-time.After(time.Until(dl) - 400*time.Millisecond):
			answered = time.Now()
			return true
		case <-ctx.Done():
			return false
		}
	})
	c := newSwarmCase(t, 2, 3<<20)
	c.rxs = append(c.rxs, newSwarmNode(t, late))
	evs := c.sendAllDone(t, f)
	for i := range 2 {
		if evs[i].Swarm == nil || evs[i].Swarm.Members != 2 {
			t.Fatalf("target %d: %+v, want a swarm of the two who answered at once", i, evs[i].Swarm)
		}
		if !f.at[i].Before(answered) {
			t.Fatalf("target %d ended %v, after the late answer at %v", i, f.at[i], answered)
		}
	}
	if evs[2].Swarm != nil {
		t.Fatalf("the late target: %+v, want a direct transfer (a roster of one)", evs[2].Swarm)
	}
}

// Two people who answer late, together, swarm with each other: the
// second roster works as the first did.
func TestSwarmLateAnswersFormNextRoster(t *testing.T) {
	f := newFinals(3)
	afterFirst := answerAfter(30*time.Second, func(ctx context.Context) bool { return f.waitAll(ctx, 0) })
	c := newSwarmCase(t, 1, 4<<20)
	c.rxs = append(c.rxs, newSwarmNode(t, afterFirst), newSwarmNode(t, afterFirst))
	evs := c.sendAllDone(t, f)
	if evs[0].Swarm != nil {
		t.Fatalf("the first target swarmed with %+v; it answered alone", evs[0].Swarm)
	}
	var fromPeers int64
	for i := 1; i < 3; i++ {
		if evs[i].Swarm == nil || evs[i].Swarm.Members != 2 {
			t.Fatalf("late target %d: %+v, want a swarm of the two late ones", i, evs[i].Swarm)
		}
		e := c.rxs[i].waitFinal(t)
		if e.Swarm == nil {
			t.Fatalf("late receiver %d final: %+v", i, e)
		}
		fromPeers += e.Swarm.FromPeers
	}
	if fromPeers == 0 {
		t.Fatal("the late pair passed nothing to each other")
	}
}

// One who never answers is left out when the offer expires; the others
// don't wait for that: they finish long before.
func TestSwarmNoAnswerLeftOut(t *testing.T) {
	const limit = 4 * time.Second
	silent := answerAfter(limit, func(ctx context.Context) bool { <-ctx.Done(); return false })
	f := newFinals(3)
	c := newSwarmCase(t, 2, 3<<20)
	c.rxs = append(c.rxs, newSwarmNode(t, silent))
	c.tune = quickRosters
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	evs, errs := c.sendAll(ctx, t, SendOptions{}, f.on)
	for i := range 2 {
		if errs[i] != nil || evs[i].State != StateDone || evs[i].Swarm == nil || evs[i].Swarm.Members != 2 {
			t.Fatalf("target %d: %v %+v %+v", i, errs[i], evs[i], evs[i].Swarm)
		}
		c.checkFiles(t, c.rxs[i])
		if f.at[i].Sub(f.at[2]) >= 0 {
			t.Fatalf("target %d ended with the silent one's expiry", i)
		}
	}
	if errs[2] == nil || ClassOf(errs[2]) != errcode.ClassExpired || evs[2].Swarm != nil {
		t.Fatalf("the silent target: %v (%v) %+v", errs[2], ClassOf(errs[2]), evs[2].Swarm)
	}
}

// slowPath relays connections to to after holding each for delay: a
// target the network (or a loaded machine) is slow to reach.
func slowPath(t *testing.T, to string, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			a, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer a.Close()
				time.Sleep(delay) // the slow network this relay stands for
				b, err := net.Dial("tcp", to)
				if err != nil {
					return
				}
				defer b.Close()
				go func() { _, _ = io.Copy(b, a); b.Close() }()
				_, _ = io.Copy(a, b)
			}()
		}
	}()
	return ln.Addr().String()
}

// A target the sender is slow to reach (its offer goes out late) is not a
// slow person: the others wait for its answer, and all three swarm.
func TestSwarmSlowNetworkIsNotSlowPerson(t *testing.T) {
	c := newSwarmCase(t, 3, 3<<20)
	c.tune = func(sw *Swarm) { sw.quiet = 300 * time.Millisecond } // 10 s at most, as shipped
	far := slowPath(t, c.rxs[2].addr, 1500*time.Millisecond)
	c.via = func(i int) string {
		if i == 2 {
			return far
		}
		return c.rxs[i].addr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	evs, errs := c.sendAll(ctx, t, SendOptions{}, nil)
	for i := range c.rxs {
		if errs[i] != nil || evs[i].State != StateDone || evs[i].Swarm == nil || evs[i].Swarm.Members != 3 {
			t.Fatalf("target %d: %v %+v %+v, want a swarm of all three", i, errs[i], evs[i], evs[i].Swarm)
		}
		c.checkFiles(t, c.rxs[i])
	}
}

// sendAllDone sends to every receiver of c with quick rosters, noting when
// each ends in f, and fails unless every one got every file.
func (c *swarmCase) sendAllDone(t *testing.T, f *finals) []Event {
	t.Helper()
	c.tune = quickRosters
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	evs, errs := c.sendAll(ctx, t, SendOptions{}, f.on)
	for i := range c.rxs {
		if errs[i] != nil || evs[i].State != StateDone {
			t.Fatalf("target %d: %v %+v", i, errs[i], evs[i])
		}
		c.checkFiles(t, c.rxs[i])
	}
	return evs
}
