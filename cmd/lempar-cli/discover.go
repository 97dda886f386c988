package main

import (
	"context"
	"errors"
	"time"

	"github.com/lempar/lempar/discovery"
)

const (
	// lookupSettle is how long a name lookup keeps listening after the
	// first match: every responder answers the first query within a few
	// hundred milliseconds, and a second device with the same name must
	// turn the lookup ambiguous rather than lose the race.
	lookupSettle = 600 * time.Millisecond
	lookupLimit  = 3 * time.Second
)

// discoverPeer finds the nearby device called name (or with that ID
// prefix), Lempar or LocalSend, in d's table. It returns as soon as the
// match is unique and settled, and at lookupLimit with whatever
// discovery's Lookup says then (ErrNotFound, ErrAmbiguous).
func discoverPeer(ctx context.Context, d *discovery.Service, name string) (discovery.Peer, error) {
	events, stop := d.Subscribe()
	defer stop()
	start := time.Now()
	limit := time.NewTimer(lookupLimit)
	defer limit.Stop()
	var settle <-chan time.Time
	for {
		select {
		case <-events:
		case <-settle:
		case <-limit.C:
			return d.Lookup(name)
		case <-ctx.Done():
			return discovery.Peer{}, ctx.Err()
		}
		p, err := d.Lookup(name)
		if err != nil {
			if errors.Is(err, discovery.ErrAmbiguous) {
				settle = nil // wait for the limit: one of them may leave
			}
			continue
		}
		wait := lookupSettle - time.Since(start)
		if wait <= 0 {
			return p, nil
		}
		if settle == nil {
			settle = time.After(wait)
		}
	}
}
