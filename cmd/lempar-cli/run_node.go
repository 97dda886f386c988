package main

import (
	"context"
	"os"

	"github.com/lempar/lempar/app"
)

// runNode serves the receiver and announces it until ctx ends (Ctrl+C or
// SIGTERM). A clean stop says goodbye on mDNS and tells peers in the middle
// of a transfer that it was cancelled.
func runNode(ctx context.Context, g *globals, n *app.Node, f receiveFlags) error {
	d := n.NewDiscovery(app.DiscoveryOptions{
		Hidden:          f.hidden,
		IncludeLoopback: f.mdnsLoopback || os.Getenv("LEMPAR_MDNS_LOOPBACK") == "1",
	})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- n.ServeReceiver(ctx) }()
	go func() { errs <- d.Serve(ctx) }()
	// Either one failing stops both: a receiver nobody can find, or an
	// announcement of a port nobody answers, would only mislead.
	err := <-errs
	cancel()
	if err2 := <-errs; err == nil {
		err = err2
	}
	return err
}
