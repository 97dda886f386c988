package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/lempar/lempar/app"
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

// browseOnly starts discovery without announcing this device, for commands
// that only look around (peers, send). Stop it by cancelling ctx; done
// closes when it has said its goodbyes and closed its sockets.
func browseOnly(ctx context.Context, n *app.Node, loopback bool) (d *discovery.Service, done <-chan struct{}) {
	d = n.NewDiscovery(app.DiscoveryOptions{
		Hidden:          true,
		IncludeLoopback: loopback || os.Getenv("LEMPAR_MDNS_LOOPBACK") == "1",
	})
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		_ = d.Serve(ctx)
	}()
	return d, ch
}

// discoverPeer finds the nearby device called name (or with that ID
// prefix). It returns as soon as the match is unique and settled, and at
// lookupLimit with whatever discovery's Lookup says then (ErrNotFound,
// ErrAmbiguous).
func discoverPeer(ctx context.Context, n *app.Node, name string) (discovery.Peer, error) {
	ctx, cancel := context.WithCancel(ctx)
	d, done := browseOnly(ctx, n, false)
	defer func() { cancel(); <-done }()
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
