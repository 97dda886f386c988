package app

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/lempar/lempar/discovery"
	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/transfer"
)

// Target is where a send goes: a device by ID (a Lempar device, or a
// LocalSend one as discovery lists it, "localsend:<fingerprint>"), an
// address (trust on first use), or both (the ID is pinned at the address).
type Target struct {
	ID   string
	Addr string // host:port
	Name string // how the person knows it, for messages
}

// Label names the target for the person.
func (t Target) Label() string {
	switch {
	case t.Name != "":
		return t.Name
	case t.Addr != "":
		return t.Addr
	}
	return transfer.ShortID(t.ID)
}

// SendOptions adjust one Send.
type SendOptions struct {
	// Session is the transfer's ID for a single target ("" = new); a
	// retried transfer keeps its ID so the receiver resumes it. With
	// several targets each gets a new one.
	Session string
	// PIN asks for the PIN a LocalSend receiver wants (nil: the send fails
	// with "PIN required"; see localsend.SendOptions.PIN for the answers).
	PIN func(ctx context.Context, t Target, session string, wrong bool) (string, bool)
	// NoSwarm sends one direct transfer per target. Otherwise two or more
	// Lempar targets form a swarm: they pass pieces to each other
	// (transfer/swarm_doc.go).
	NoSwarm bool
	// Swarm joins the one target of this Send to a swarm the caller made
	// for several Sends (the window starts one Send per target).
	Swarm *transfer.SwarmTarget
	// OnEvent hears every target's progress; events carry the target.
	OnEvent func(Target, transfer.Event)
}

// SendResult is how a send to one target ended.
type SendResult struct {
	Target Target
	Event  transfer.Event
	Err    error
}

// outgoing is a send in flight.
type outgoing struct {
	target Target
	cancel context.CancelFunc
}

// Send sends srcs to every target at once, each over its own protocol,
// and returns when all have finished, in the order of targets. Cancelling
// ctx (or stopping the device) cancels them, and each peer is told.
func (d *Device) Send(ctx context.Context, targets []Target, srcs []transfer.Source, o SendOptions) []SendResult {
	res := make([]SendResult, len(targets))
	swarm := make([]*transfer.SwarmTarget, len(targets))
	var sw *transfer.Swarm
	defer func() { sw.Stop() }() // every send is over: no hashing left behind
	if len(targets) == 1 {
		swarm[0] = o.Swarm
	} else if n := lemparTargets(targets); n >= 2 && !o.NoSwarm {
		if sw = transfer.NewSwarm(srcs, n); sw != nil {
			for i, t := range targets {
				if !localsend.IsPeerID(t.ID) {
					swarm[i] = sw.Target()
				}
			}
		}
	}
	var wg sync.WaitGroup
	for i, t := range targets {
		session := o.Session
		if session == "" || len(targets) > 1 {
			session = uuid.NewString()
		}
		res[i].Target = t
		wg.Go(func() {
			res[i].Event, res[i].Err = d.sendOne(ctx, t, session, srcs, o, swarm[i])
		})
	}
	wg.Wait()
	return res
}

// lemparTargets counts the targets that may join a swarm (not LocalSend).
func lemparTargets(targets []Target) int {
	n := 0
	for _, t := range targets {
		if !localsend.IsPeerID(t.ID) {
			n++
		}
	}
	return n
}

func (d *Device) sendOne(ctx context.Context, t Target, session string, srcs []transfer.Source, o SendOptions, st *transfer.SwarmTarget) (transfer.Event, error) {
	defer st.Skip() // a target that never reaches the engine must not hold the swarm up
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := d.track(session, t, cancel); err != nil {
		return transfer.Event{Session: session, State: transfer.StateFailed, Err: err}, err
	}
	defer d.untrack(session)
	d.History.note(session, noteSources(srcs))
	onEvent := func(e transfer.Event) {
		e.Session = session // LocalSend sessions get their IDs from the peer
		if e.State.Final() {
			d.record(e)
		}
		if o.OnEvent != nil {
			o.OnEvent(t, e)
		}
	}
	t, err := d.route(t)
	if err != nil {
		ev := transfer.Event{Session: session, Direction: transfer.Outgoing, State: transfer.StateFailed, Err: err,
			Peer: transfer.PeerInfo{ID: t.ID, Name: t.Label()}}
		d.record(ev) // a send that never started is still one the person made
		return ev, err
	}
	if localsend.IsPeerID(t.ID) {
		var pin func(context.Context, bool) (string, bool)
		if o.PIN != nil {
			pin = func(ctx context.Context, wrong bool) (string, bool) { return o.PIN(ctx, t, session, wrong) }
		}
		st.Skip()
		return d.ls.Send(ctx, t.ID, srcs, pin, onEvent)
	}
	return transfer.Send(ctx, d.Identity, transfer.SendOptions{
		Addr: t.Addr, PeerID: t.ID, PeerName: t.Name, Hello: d.Hello(), Session: session,
		RetryFor: d.retryFor(), Resolve: d.whereIs, Swarm: st,
		OnEvent: onEvent, // recorded in the history above
	}, srcs)
}

// whereIs lists the addresses a Lempar device can be reached at now, best
// first: what discovery hears from it, then its last known address. A
// retried send asks again each time, so a receiver that came back at
// another address is followed there; its pinned ID keeps anyone else at
// an address from taking the transfer over.
func (d *Device) whereIs(_ context.Context, id string) []string {
	var out []string
	if id == "" || localsend.IsPeerID(id) {
		return nil
	}
	if d.disc != nil {
		for _, p := range d.disc.Peers() {
			if p.ID != id || p.Source == discovery.SourceLocalSend {
				continue
			}
			for _, a := range p.Addrs {
				out = append(out, a.String())
			}
		}
	}
	if d.Trust != nil {
		if k, ok := d.Trust.Get(id); ok && k.LastAddr != "" {
			out = append(out, k.LastAddr)
		}
	}
	return out
}

// route completes a target without an address: a listed device's current
// address, else the trust store's last one.
func (d *Device) route(t Target) (Target, error) {
	if t.ID == "" || localsend.IsPeerID(t.ID) {
		if t.ID == "" && t.Addr == "" {
			return t, noSuchDevice(t.Label())
		}
		return t, nil
	}
	for _, p := range d.disc.Peers() {
		if p.ID != t.ID {
			continue
		}
		if a := p.Addr(); a.IsValid() && t.Addr == "" {
			t.Addr = a.String()
		}
		if t.Name == "" {
			t.Name = p.Name
		}
		if p.Source == discovery.SourceLocalSend {
			return t, nil
		}
	}
	if t.Addr == "" && d.Trust != nil {
		if k, ok := d.Trust.Get(t.ID); ok && k.LastAddr != "" {
			t.Addr = k.LastAddr
			if t.Name == "" {
				t.Name = k.DisplayName()
			}
		}
	}
	if t.Addr == "" {
		return t, noSuchDevice(t.Label())
	}
	return t, nil
}

func noSuchDevice(name string) error {
	return &transfer.Error{Code: errcode.NoSuchDevice, Args: []any{"Name", name}}
}

func (d *Device) track(session string, t Target, cancel context.CancelFunc) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return &transfer.Error{Code: errcode.Cancelled}
	}
	if _, dup := d.out[session]; dup {
		return &transfer.Error{Code: errcode.Busy, Key: "err.send-running"}
	}
	d.out[session] = &outgoing{target: t, cancel: cancel}
	d.sends.Add(1)
	return nil
}

func (d *Device) untrack(session string) {
	d.mu.Lock()
	delete(d.out, session)
	d.mu.Unlock()
	d.sends.Done()
}

// Cancel stops a transfer by ID, outgoing or incoming, over either
// protocol; the peer is told. It reports whether one was running.
func (d *Device) Cancel(session string) bool {
	d.mu.Lock()
	o, ok := d.out[session]
	d.mu.Unlock()
	if ok {
		o.cancel()
		return true
	}
	return d.CancelIncoming(session) || d.ls.Cancel(session)
}
