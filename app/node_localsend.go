package app

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/lempar/lempar/discovery"
	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/transfer"
)

// LocalSendOptions adjust LocalSend compatibility for one run.
type LocalSendOptions struct {
	Port   int    // 0 = localsend.DefaultPort (53317); -1 = any free port (tests)
	Listen string // "" = all interfaces
	// AllowHTTP and PIN override Settings.LocalSendHTTP and LocalSendPIN
	// for this run (lempar-cli receive --localsend-http, --localsend-pin):
	// HTTP is allowed when either says so; a non-empty PIN wins.
	AllowHTTP       bool
	PIN             func() string
	IncludeLoopback bool // single-host tests; real runs skip lo
	NoMulticast     bool
	Logf            func(string, ...any)
	// OnStarted hears the service each time it starts (the setting was
	// turned on); tests use it to learn the port.
	OnStarted func(*localsend.Service)
}

// LocalSend is this node's LocalSend compatibility: the same acceptor,
// trust store, history and events as Lempar transfers, with LocalSend
// devices listed in the node's discovery table (Source localsend).
type LocalSend struct {
	n *Node
	o LocalSendOptions
	// enabled says whether the service should run; Device sets it to the
	// setting (and the run's --no-localsend), NewLocalSend to the setting.
	enabled func() bool
	// hidden says whether the person hid this device, so LocalSend
	// announces nothing either; Device sets it, nil means never.
	hidden func() bool
	wake   chan struct{} // capacity 1: the setting may have changed

	mu       sync.Mutex // guards svc and lastPort
	svc      *localsend.Service
	lastPort int // where the last run listened: a restart keeps the port
}

// allowHTTP is whether plain HTTP is served now: the setting or the run's
// flag.
func (l *LocalSend) allowHTTP() bool {
	return l.o.AllowHTTP || l.n.Settings().LocalSendHTTP
}

// pin is the receive PIN now: the run's flag, else the setting. It is read
// for every offer, so a changed PIN applies to the next offer without
// restarting (and without ending a transfer in flight).
func (l *LocalSend) pin() string {
	if l.o.PIN != nil {
		if p := l.o.PIN(); p != "" {
			return p
		}
	}
	return l.n.Settings().LocalSendPIN
}

// NewLocalSend prepares LocalSend compatibility; run it with Serve.
func (n *Node) NewLocalSend(o LocalSendOptions) *LocalSend {
	return &LocalSend{n: n, o: o, enabled: func() bool { return n.Settings().LocalSend }, wake: make(chan struct{}, 1)}
}

// Changed tells a running Serve that the setting may have changed: it
// starts or stops the service at once.
func (l *LocalSend) Changed() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// retryListen is how long to wait before trying a taken port again.
const retryListen = 30 * time.Second

// Serve speaks LocalSend while it is enabled, until ctx ends. Turning the
// setting off (then Changed) stops the server and drops LocalSend devices
// from the peer list; turning it on starts them again; turning HTTP on or
// off restarts it at once on the same port (incoming sessions end as
// cancelled, their senders told). A port that is taken (the LocalSend app
// itself runs here) is reported through Logf and tried again later.
func (l *LocalSend) Serve(ctx context.Context) error {
	for {
		var retry *time.Timer
		var retryC <-chan time.Time
		if l.enabled() {
			restart, err := l.run(ctx)
			if err != nil {
				l.logf("localsend: %v", err)
				retry = time.NewTimer(retryListen)
				retryC = retry.C
			} else if restart && ctx.Err() == nil {
				continue
			}
		}
		select {
		case <-ctx.Done():
		case <-l.wake:
		case <-retryC:
		}
		if retry != nil {
			retry.Stop()
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// run serves until ctx ends or the setting goes off (restart false), or
// until HTTP is turned on or off (restart true).
func (l *LocalSend) run(ctx context.Context) (restart bool, err error) {
	httpOn := l.allowHTTP()
	port := l.o.Port
	l.mu.Lock()
	if port < 0 && l.lastPort > 0 {
		port = l.lastPort // a free port chosen before: peers know it
	}
	l.mu.Unlock()
	cfg := localsend.Config{
		Identity:        l.n.Identity,
		Alias:           func() string { return l.n.Settings().DeviceName },
		Dir:             func() string { return l.n.Settings().DownloadDir },
		Acceptor:        l.n.acceptor(),
		OnEvent:         l.n.onEvent,
		OnDevice:        l.observe,
		Lempar:          l.isLempar,
		Hidden:          l.isHidden,
		OnRefused:       l.n.opts.OnRefused,
		Known:           l.known,
		Port:            port,
		Listen:          l.o.Listen,
		AllowHTTP:       httpOn,
		PIN:             l.pin,
		NoMulticast:     l.o.NoMulticast,
		IncludeLoopback: l.o.IncludeLoopback,
		Logf:            l.o.Logf,
	}
	svc := localsend.New(cfg)
	if err := svc.Listen(); err != nil {
		if port == l.o.Port {
			return false, err
		}
		cfg.Port = l.o.Port // the earlier free port was taken meanwhile
		if svc = localsend.New(cfg); svc.Listen() != nil {
			return false, err
		}
	}
	l.mu.Lock()
	l.svc = svc
	l.lastPort = svc.Port()
	l.mu.Unlock()
	if l.o.OnStarted != nil {
		l.o.OnStarted(svc)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- svc.Serve(sctx) }()
loop:
	for {
		select {
		case err = <-done:
			break loop
		case <-l.wake:
			restart = l.enabled() && l.allowHTTP() != httpOn
			if !l.enabled() || restart {
				cancel()
				err = <-done
				break loop
			}
		}
	}
	l.mu.Lock()
	l.svc = nil
	l.mu.Unlock()
	if d := l.n.Discovery(); d != nil && !restart {
		// (A restart keeps them listed: it announces at once and they
		// answer, while a send to them works meanwhile.)
		for _, dev := range svc.Devices() {
			d.Forget(dev.ID)
		}
	}
	return restart && err == nil, err
}

// known tells the service which verified LocalSend peers are known
// devices: they may use the session slot kept for known devices.
func (l *LocalSend) known(id string) bool {
	if l.n.Trust == nil {
		return false
	}
	_, ok := l.n.Trust.Get(id)
	return ok
}

func (l *LocalSend) logf(format string, args ...any) {
	if l.o.Logf != nil {
		l.o.Logf(format, args...)
	}
}

// observe lists a LocalSend device beside the Lempar ones.
func (l *LocalSend) observe(dev localsend.Device) {
	d := l.n.Discovery()
	if d == nil {
		return
	}
	// Another Lempar with LocalSend on announces itself both ways; it is
	// listed once, as the Lempar device it is (its fingerprint is its ID).
	if id := strings.ToLower(dev.Fingerprint); len(id) == 64 && d.Lists(id) {
		d.Forget(dev.ID)
		return
	}
	d.Observe(discovery.Peer{
		ID: dev.ID, Name: dev.Alias, OS: dev.OS(), Proto: dev.Version,
		Addrs: []netip.AddrPort{dev.Addr}, Source: discovery.SourceLocalSend,
	}, 0)
}

func (l *LocalSend) isHidden() bool { return l.hidden != nil && l.hidden() }

// isLempar reports whether a LocalSend announcer is a Lempar device that
// discovery already hears (a Lempar device's fingerprint is its ID).
func (l *LocalSend) isLempar(fingerprint string) bool {
	d := l.n.Discovery()
	return d != nil && len(fingerprint) == 64 && d.Hears(strings.ToLower(fingerprint))
}

// Service is the running LocalSend service, or nil while it is off.
func (l *LocalSend) Service() *localsend.Service {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.svc
}

// Send sends srcs to the LocalSend device peerID (as listed by discovery:
// "localsend:<fingerprint>"). pin is asked when the device wants a PIN
// (nil: the send fails with a "PIN required" error). Progress goes to
// onEvent; Device.sendOne records the final event in the history.
func (l *LocalSend) Send(ctx context.Context, peerID string, srcs []transfer.Source, pin func(ctx context.Context, wrong bool) (string, bool), onEvent func(transfer.Event)) (transfer.Event, error) {
	svc := l.Service()
	if svc == nil {
		return transfer.Event{}, &transfer.Error{Code: errcode.LocalSendDisabled, Key: "localsend.err.disabled"}
	}
	dev, ok := svc.Device(peerID)
	if !ok {
		name := peerID
		if l.n.Trust != nil {
			if k, known := l.n.Trust.Get(peerID); known {
				name = k.DisplayName()
			}
		}
		return transfer.Event{}, &transfer.Error{Code: errcode.LocalSendNotFound, Key: "localsend.err.not-found", Args: []any{"Name", name}}
	}
	return l.SendTo(ctx, dev, srcs, pin, onEvent)
}

// SendTo sends to a LocalSend device given by address (dev.Addr; Protocol
// and Fingerprint may be empty).
func (l *LocalSend) SendTo(ctx context.Context, dev localsend.Device, srcs []transfer.Source, pin func(ctx context.Context, wrong bool) (string, bool), onEvent func(transfer.Event)) (transfer.Event, error) {
	self := localsend.DeviceInfo{}
	if svc := l.Service(); svc != nil {
		self = svc.Self()
	} else {
		self = localsend.New(localsend.Config{Identity: l.n.Identity, Alias: func() string { return l.n.Settings().DeviceName }}).Self()
	}
	return localsend.Send(ctx, localsend.SendOptions{
		Identity: l.n.Identity, Self: self, To: dev, PIN: pin,
		OnEvent: onEvent,     // Device.sendOne records the end in the history
		Via:     l.Service(), // the receiver's /cancel reaches us there
	}, srcs)
}

// Cancel stops an incoming LocalSend session (Node.CancelIncoming covers
// Lempar sessions).
func (l *LocalSend) Cancel(session string) bool {
	svc := l.Service()
	return svc != nil && svc.Cancel(session)
}
