package transfer

import (
	"context"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
)

// The swarm waits for every receiver's person before pieces move: one who
// answers just before the offer expires still joins, and both finish as
// one swarm; one who never answers is left out when the offer expires and
// the others go on without it.
func TestSwarmWaitsForSlowAnswer(t *testing.T) {
	const limit = 3 * time.Second
	late := func(s *Server) {
		s.OfferTimeout = limit
		s.Acceptor = AcceptorFunc(func(ctx context.Context, r *Request) Answer {
			dl, _ := ctx.Deadline()
			select {
			case <-time.After(time.Until(dl) - 400*time.Millisecond):
				return Answer{Accept: true}
			case <-ctx.Done():
				return Answer{}
			}
		})
	}
	c := newSwarmCase(t, 1, 3<<20)
	c.rxs = append(c.rxs, newSwarmNode(t, late))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	evs, errs := c.sendAll(ctx, t, SendOptions{}, nil)
	for i := range c.rxs {
		if errs[i] != nil || evs[i].State != StateDone || evs[i].Swarm == nil || evs[i].Swarm.Members != 2 {
			t.Fatalf("target %d: %v %+v %+v", i, errs[i], evs[i], evs[i].Swarm)
		}
		c.checkFiles(t, c.rxs[i])
	}
	if took := time.Since(start); took < limit-time.Second {
		t.Fatalf("the swarm finished in %v, before the late answer", took)
	}
}

func TestSwarmNoAnswerLeftOut(t *testing.T) {
	silent := func(s *Server) {
		s.OfferTimeout = 2 * time.Second
		s.Acceptor = AcceptorFunc(func(ctx context.Context, r *Request) Answer {
			<-ctx.Done()
			return Answer{}
		})
	}
	c := newSwarmCase(t, 2, 3<<20)
	c.rxs = append(c.rxs, newSwarmNode(t, silent))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	evs, errs := c.sendAll(ctx, t, SendOptions{}, nil)
	for i := range 2 {
		if errs[i] != nil || evs[i].State != StateDone || evs[i].Swarm == nil || evs[i].Swarm.Members != 2 {
			t.Fatalf("target %d: %v %+v %+v", i, errs[i], evs[i], evs[i].Swarm)
		}
		c.checkFiles(t, c.rxs[i])
	}
	if errs[2] == nil || ClassOf(errs[2]) != errcode.ClassExpired || evs[2].Swarm != nil {
		t.Fatalf("the silent target: %v (%v) %+v", errs[2], ClassOf(errs[2]), evs[2].Swarm)
	}
}
