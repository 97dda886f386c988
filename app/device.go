package app

import (
	"context"
	"errors"
	"log"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lempar/lempar/discovery"
	"github.com/lempar/lempar/share"
)

// DeviceOptions shape one running device. The zero value (plus the Node
// options) is a full device: receiver, announced discovery, LocalSend when
// the setting is on.
type DeviceOptions struct {
	Options

	// NoReceiver runs no Lempar receiver (CLI send and peers): the device
	// only looks around and sends. It is then also never announced.
	NoReceiver bool
	// FreePortFallback receives on any free port when the chosen one is
	// taken, rather than not at all (the window: discovery announces the
	// real port).
	FreePortFallback bool
	// Hidden never announces this device, whatever the setting says.
	Hidden bool
	// NoLocalSend keeps LocalSend off for this run, whatever the setting
	// says.
	NoLocalSend bool
	LocalSend   LocalSendOptions
	// IncludeLoopback lets mDNS and LocalSend discovery use lo
	// (single-host tests).
	IncludeLoopback bool
	// ReachCheck checks at start that other devices could reach the
	// receiver, and reports the result to OnReach.
	ReachCheck bool
	OnReach    func(ReachReport)
	// Shared skips the one-instance lock: for commands that only look
	// around or send once while the app may be running with the same
	// identity.
	Shared bool
	// OnSelfChanged hears when the device changed its own state without
	// being asked (visibility timed out).
	OnSelfChanged func()
	Logf          func(string, ...any)
}

// Device is one running Lempar device: the receiver, discovery, LocalSend
// compatibility and every send, under one owner. The window and the CLI
// each make one with OpenDevice and run it with Serve; everything they do
// goes through it.
type Device struct {
	*Node
	o    DeviceOptions
	disc *discovery.Service
	ls   *LocalSend
	lock *InstanceLock // nil when Shared
	// shares is "Share via link", mounted on the LocalSend port (share.go).
	shares share.Server

	sends sync.WaitGroup // Send goroutines

	mu       sync.Mutex // guards the fields below
	out      map[string]*outgoing
	visTimer *time.Timer
	stopping bool // Serve is winding down: no new sends
	served   bool
}

// OpenDevice loads the identity and stores, takes the one-instance lock
// and opens the receiver's socket, so Port is known and a second start is
// refused before anything is announced. Run it with Serve.
func OpenDevice(o DeviceOptions) (*Device, error) {
	if o.Logf == nil {
		o.Logf = log.Printf
	}
	n, err := NewNode(o.Options)
	if err != nil {
		return nil, err
	}
	d := &Device{Node: n, o: o, out: map[string]*outgoing{}}
	if !o.Shared {
		if d.lock, err = LockInstance(n.ConfigDir); err != nil {
			return nil, err
		}
	}
	if !o.NoReceiver {
		if err := n.Listen(); err != nil {
			if !o.FreePortFallback {
				d.closeLock()
				return nil, err
			}
			o.Logf("lempar: %v; using a free port instead", err)
			n.opts.Port = -1
			if err := n.Listen(); err != nil {
				d.closeLock()
				return nil, err
			}
		}
	}
	d.disc = n.NewDiscovery(DiscoveryOptions{
		Hidden:          o.Hidden || o.NoReceiver,
		IncludeLoopback: o.IncludeLoopback,
		Logf:            o.Logf,
	})
	lso := o.LocalSend
	if lso.Logf == nil {
		lso.Logf = o.Logf
	}
	lso.IncludeLoopback = lso.IncludeLoopback || o.IncludeLoopback
	if o.NoReceiver && lso.Port == 0 {
		lso.Port = -1 // looking around only: leave 53317 to a running app
	}
	lso.OnStarted = d.mountShare(lso.OnStarted)
	d.ls = n.NewLocalSend(lso)
	d.ls.enabled = func() bool { return !o.NoLocalSend && n.Settings().LocalSend }
	d.ls.hidden = d.hiddenFromLocalSend
	return d, nil
}

// Discovery is the device's peer table and announcer.
func (d *Device) Discovery() *discovery.Service { return d.disc }

// LocalSend is the device's LocalSend compatibility.
func (d *Device) LocalSend() *LocalSend { return d.ls }

// Instance is the one-instance lock (nil for a Shared device): a second
// start signals it to bring the window forward.
func (d *Device) Instance() *InstanceLock { return d.lock }

// Serve runs every part of the device until ctx ends or one part fails,
// and returns only when everything it started has stopped: peers with a
// running transfer have been told it was cancelled, discovery has said
// goodbye, and the history is written.
func (d *Device) Serve(ctx context.Context) error {
	d.mu.Lock()
	if d.served {
		d.mu.Unlock()
		return errors.New("app: Device.Serve called twice")
	}
	d.served = true
	d.mu.Unlock()
	defer d.closeLock()

	g, gctx := errgroup.WithContext(ctx)
	if !d.o.NoReceiver {
		g.Go(func() error { return d.ServeReceiver(gctx) })
	}
	g.Go(func() error { return d.disc.Serve(gctx) })
	g.Go(func() error { return d.ls.Serve(gctx) })
	if d.o.ReachCheck && !d.o.NoReceiver {
		g.Go(func() error {
			r := CheckReach(gctx, ReachOptions{Port: d.Port()})
			if gctx.Err() == nil && d.o.OnReach != nil {
				d.o.OnReach(r)
			}
			return nil
		})
	}
	d.scheduleVisibilityEnd()
	g.Go(func() error {
		<-gctx.Done()
		d.stopSends()
		return nil
	})
	err := g.Wait()
	d.mu.Lock()
	if d.visTimer != nil {
		d.visTimer.Stop()
	}
	d.mu.Unlock()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// stopSends cancels every send in flight (each tells its peer) and waits
// for them to finish and be recorded.
func (d *Device) stopSends() {
	d.mu.Lock()
	d.stopping = true
	for _, o := range d.out {
		o.cancel()
	}
	d.mu.Unlock()
	d.sends.Wait()
}

// Close releases what OpenDevice took (the lock, the socket) for a device
// that will not be served; Serve releases them itself.
func (d *Device) Close() {
	d.mu.Lock()
	served := d.served
	d.served = true
	d.mu.Unlock()
	if served {
		return
	}
	d.closeLock()
	d.closeListener()
}

func (d *Device) closeLock() {
	if d.lock != nil {
		d.lock.Close()
	}
}
