package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/lempar/lempar/discovery"
	"github.com/lempar/lempar/internal/buildinfo"
	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// Options overrides settings for one run (CLI flags, tests).
type Options struct {
	ConfigDir string // "" = ConfigDir("")
	Name      string // device name; "" = settings
	Dir       string // download folder; "" = settings
	Port      int    // listening port; 0 = settings, -1 = any free port
	Listen    string // listen host; "" = all interfaces
	// Acceptor asks the person; trust rules run before it.
	Acceptor transfer.Acceptor
	// AcceptAll and AcceptFrom are the CLI's --yes and --accept-from.
	AcceptAll  bool
	AcceptFrom []string
	OnEvent    func(transfer.Event)
	OnRefused  func(transfer.PeerInfo, error)
	// OnOffer hears every incoming offer as it arrives, before the trust
	// rules decide it: an auto-accepted one never reaches Acceptor, yet the
	// window names its row by what it offers.
	OnOffer func(*transfer.Request)
	// RetryFor is how long a send keeps reconnecting after its link drops:
	// 0 means transfer.DefaultRetryFor, negative means never.
	RetryFor time.Duration
}

// Node is one running Lempar device: identity, stores and the receiver.
// The GUI and the CLI each build one.
type Node struct {
	ConfigDir string
	Identity  *transfer.Identity
	Trust     *TrustStore
	History   *History

	opts Options

	saveMu   sync.Mutex // serializes SaveSettings; taken before mu
	mu       sync.Mutex // guards settings, server, disc, ln
	settings Settings

	server *transfer.Server   // guarded by mu; set by ServeReceiver
	disc   *discovery.Service // guarded by mu
	ln     *switchListener    // guarded by mu; set by Listen
}

// NewNode loads (or creates) the identity and stores and opens the
// listening socket, so Port() is known before Serve.
func NewNode(opts Options) (*Node, error) {
	dir, err := ConfigDir(opts.ConfigDir)
	if err != nil {
		return nil, err
	}
	id, err := transfer.LoadOrCreateIdentity(dir)
	if err != nil {
		return nil, err
	}
	st, err := LoadSettings(dir)
	if err != nil && !isCorrupt(err) {
		return nil, err
	}
	trust, err := OpenTrustStore(dir)
	if err != nil && !isCorrupt(err) {
		return nil, err
	}
	hist, err := OpenHistory(dir)
	if err != nil && !isCorrupt(err) {
		return nil, err
	}
	n := &Node{ConfigDir: dir, Identity: id, Trust: trust, History: hist, opts: opts, settings: st}
	return n, nil
}

func isCorrupt(err error) bool {
	var se *StoreError
	return errors.As(err, &se) && se.Corrupt()
}

// Settings returns a copy of the current settings with run overrides.
func (n *Node) Settings() Settings {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.settings
	if n.opts.Name != "" {
		s.DeviceName = n.opts.Name
	}
	if n.opts.Dir != "" {
		s.DownloadDir = n.opts.Dir
	}
	return s
}

// SaveSettings stores and applies new settings. Two callers (the window
// and the visibility timer) may save at once: saveMu keeps the file and
// memory in the same order.
func (n *Node) SaveSettings(s Settings) error {
	n.saveMu.Lock()
	defer n.saveMu.Unlock()
	n.mu.Lock()
	n.settings = s
	n.mu.Unlock()
	return SaveSettings(n.ConfigDir, s)
}

// Hello is what this device says about itself.
func (n *Node) Hello() transfer.Hello {
	return transfer.Hello{Name: n.Settings().DeviceName, OS: runtime.GOOS, App: "lempar/" + buildinfo.Version, Port: n.Port()}
}

// Listen opens the receiver's socket.
func (n *Node) Listen() error {
	port := n.opts.Port
	if port == 0 {
		port = n.Settings().Port
	}
	ln, err := n.listenOn(port)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ln != nil {
		n.ln.swap(ln)
		return nil
	}
	n.ln = newSwitchListener(ln)
	return nil
}

// listenOn opens a socket on port (negative: any free port).
func (n *Node) listenOn(port int) (net.Listener, error) {
	if port < 0 {
		port = 0
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(n.opts.Listen, strconv.Itoa(port)))
	if err != nil {
		return nil, &transfer.Error{Code: errcode.Listen, Args: []any{"Port", port}, Err: err}
	}
	return ln, nil
}

func (n *Node) closeListener() {
	n.mu.Lock()
	ln := n.ln
	n.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
}

// Port is the port the receiver listens on (after Listen).
func (n *Node) Port() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ln == nil {
		return 0
	}
	return n.ln.Addr().(*net.TCPAddr).Port
}

// ServeReceiver runs the receiver until ctx ends.
func (n *Node) ServeReceiver(ctx context.Context) error {
	n.mu.Lock()
	ln := n.ln
	n.mu.Unlock()
	if ln == nil {
		if err := n.Listen(); err != nil {
			return err
		}
		n.mu.Lock()
		ln = n.ln
		n.mu.Unlock()
	}
	srv := &transfer.Server{
		Identity:  n.Identity,
		Hello:     n.Hello,
		Dir:       func() string { return n.Settings().DownloadDir },
		Acceptor:  n.acceptor(),
		OnEvent:   n.onEvent,
		OnRefused: n.opts.OnRefused,
		Trusted: func(id string) bool {
			if n.Trust == nil {
				return false
			}
			_, ok := n.Trust.Get(id)
			return ok
		},
	}
	n.mu.Lock()
	n.server = srv
	n.mu.Unlock()
	defer ln.Close()
	return srv.Serve(ctx, ln)
}

// CancelIncoming stops an incoming session.
func (n *Node) CancelIncoming(session string) bool {
	n.mu.Lock()
	srv := n.server
	n.mu.Unlock()
	return srv != nil && srv.Cancel(session)
}

func (n *Node) onEvent(e transfer.Event) {
	if e.State.Final() {
		n.record(e)
	}
	if n.opts.OnEvent != nil {
		n.opts.OnEvent(e)
	}
}

// SendTo sends to an address, pinning peerID when known.
// session may be "" for a new one, or the ID of a transfer being retried.
func (n *Node) SendTo(ctx context.Context, addr, peerID, peerName, session string, srcs []transfer.Source, onEvent func(transfer.Event)) (transfer.Event, error) {
	ev, err := transfer.Send(ctx, n.Identity, transfer.SendOptions{
		Addr: addr, PeerID: peerID, PeerName: peerName, Hello: n.Hello(), Session: session,
		RetryFor: n.retryFor(),
		OnEvent:  onEvent, // Device.sendOne records the end in the history
	}, srcs)
	return ev, err
}

func (n *Node) retryFor() time.Duration {
	switch {
	case n.opts.RetryFor < 0:
		return 0
	case n.opts.RetryFor == 0:
		return transfer.DefaultRetryFor
	}
	return n.opts.RetryFor
}

func (n *Node) String() string {
	return fmt.Sprintf("%s (%s)", n.Settings().DeviceName, transfer.ShortID(n.Identity.ID))
}
