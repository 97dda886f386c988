package main

import (
	"context"

	"github.com/lempar/lempar/app"
)

// runNode serves the receiver until ctx ends (Ctrl+C or SIGTERM). A clean
// stop tells peers in the middle of a transfer that it was cancelled.
func runNode(ctx context.Context, g *globals, n *app.Node, f receiveFlags) error {
	return n.ServeReceiver(ctx)
}
