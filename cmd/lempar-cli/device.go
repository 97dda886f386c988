package main

import (
	"context"
	"os"

	"github.com/lempar/lempar/app"
)

// running is a device serving in the background for one command.
type running struct {
	*app.Device
	cancel context.CancelFunc
	done   chan error
}

// startDevice opens and serves a device until stop. Commands that only
// look around or send (peers, send) run it Shared and without a receiver,
// so they work beside a running app with the same identity.
func startDevice(ctx context.Context, o app.DeviceOptions, loopback bool) (*running, error) {
	o.IncludeLoopback = o.IncludeLoopback || loopback || os.Getenv("LEMPAR_MDNS_LOOPBACK") == "1"
	if o.Logf == nil {
		o.Logf = func(string, ...any) {} // a command's output is its own; the log would mix in
	}
	dev, err := app.OpenDevice(o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &running{Device: dev, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- dev.Serve(ctx) }()
	return r, nil
}

// stop ends the device: peers hear goodbye and cancels, then it returns.
func (r *running) stop() error {
	r.cancel()
	return <-r.done
}

// wait runs until ctx ends (then stops the device) or the device stops by
// itself (a part failed).
func (r *running) wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return r.stop()
	case err := <-r.done:
		r.cancel()
		return err
	}
}

// lookOnly is a device that browses (mDNS and LocalSend) but is never
// announced and receives nothing.
func lookOnly(g *globals, name string) app.DeviceOptions {
	return app.DeviceOptions{
		Options:    app.Options{ConfigDir: g.configDir, Name: name},
		NoReceiver: true, Shared: true,
	}
}
