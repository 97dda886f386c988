package desktop

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/discovery"
	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/transfer"
	"github.com/lempar/lempar/ui"
)

// Backend implements ui.Backend for a running device: it turns the
// device's events into the window's and the window's requests into calls
// on the device. The device owns the transfers; the backend only keeps
// what the window needs to show them.
type Backend struct {
	dev *app.Device
	ctx context.Context
	tr  *liveTr // the person's language, see liveTr
	d   *dispatcher

	mu        sync.Mutex // guards the maps below
	peers     map[string]ui.PeerInfo
	seen      map[string]discovery.Peer // as discovery reports them, before the trust store's nickname
	offers    map[string]*pendingOffer
	live      map[string]ui.TransferInfo
	outgoing  map[string]*outgoing
	pins      map[string]*pendingPIN   // by transfer ID
	startedAt map[string]time.Time     // live transfers only
	offered   map[string][]ui.ItemInfo // incoming sessions' offers, until their final event
	reach     *app.ReachReport         // the last self-reachability check; worded when shown
	expired   []ui.UnfinishedFile      // unfinished downloads removed for age, to be told
}

type pendingOffer struct {
	info   ui.OfferInfo
	answer chan ui.Decision
}

// pendingPIN is a receiver's PIN request waiting for the person.
type pendingPIN struct {
	req    ui.PINRequested
	answer chan pinAnswer // capacity 1
}

type pinAnswer struct {
	pin string
	ok  bool
}

// outgoing remembers what a transfer this device sent was, so it can be
// retried after it failed or was cancelled.
type outgoing struct {
	peerID string
	srcs   []transfer.Source
}

// New makes a backend. It is the device's Acceptor, OnOffer and OnEvent, so it
// exists before the device; Attach connects the two.
func New(ctx context.Context, tr *i18n.Translator) *Backend {
	b := &Backend{
		ctx: ctx, d: newDispatcher(),
		peers: map[string]ui.PeerInfo{}, seen: map[string]discovery.Peer{}, offers: map[string]*pendingOffer{},
		live: map[string]ui.TransferInfo{}, outgoing: map[string]*outgoing{},
		pins: map[string]*pendingPIN{}, startedAt: map[string]time.Time{}, offered: map[string][]ui.ItemInfo{},
	}
	b.tr = &liveTr{system: tr, b: b}
	return b
}

// Attach connects the backend to its device and starts following
// discovery events (until the device stops).
func (b *Backend) Attach(dev *app.Device) {
	b.dev = dev
	ch, stop := dev.Discovery().Subscribe()
	go func() {
		defer stop()
		for {
			select {
			case <-b.ctx.Done():
				return
			case e, ok := <-ch:
				if !ok {
					return
				}
				b.onPeer(e)
			}
		}
	}()
}

func (b *Backend) onPeer(e discovery.Event) {
	if e.Kind == discovery.PeerLost {
		b.mu.Lock()
		delete(b.peers, e.Peer.ID)
		delete(b.seen, e.Peer.ID)
		b.mu.Unlock()
		b.d.emit(ui.PeerLost{ID: e.Peer.ID})
		return
	}
	b.putPeer(e.Peer)
}

// putPeer records a device discovery reports and tells the window.
func (b *Backend) putPeer(dp discovery.Peer) ui.PeerInfo {
	p := b.peerInfo(dp)
	b.mu.Lock()
	b.peers[p.ID] = p
	b.seen[p.ID] = dp
	b.mu.Unlock()
	b.d.emit(ui.PeerSeen{Peer: p})
	return p
}

// refreshPeer tells the window when what the trust store adds to a nearby
// device changed (it became known, got a nickname, was forgotten), so the
// Nearby list says so at once rather than at the device's next announcement.
func (b *Backend) refreshPeer(id string) {
	b.mu.Lock()
	dp, ok := b.seen[id]
	old := b.peers[id]
	b.mu.Unlock()
	if !ok {
		return
	}
	p := b.peerInfo(dp)
	if p.Known == old.Known && p.Name == old.Name {
		return
	}
	b.mu.Lock()
	if _, still := b.seen[id]; still {
		b.peers[id] = p
	}
	b.mu.Unlock()
	b.d.emit(ui.PeerSeen{Peer: p})
}

func (b *Backend) peerInfo(p discovery.Peer) ui.PeerInfo {
	info := ui.PeerInfo{ID: p.ID, Name: p.Name, OS: p.OS, LastSeen: p.LastSeen, LocalSend: p.Source == discovery.SourceLocalSend}
	if a := p.Addr(); a.IsValid() {
		info.Addr = a.String()
	}
	if b.dev != nil && b.dev.Trust != nil {
		if k, ok := b.dev.Trust.Get(p.ID); ok {
			info.Known = true
			if k.Nickname != "" {
				info.Name = k.Nickname
			}
		}
	}
	return info
}

// Subscribe implements ui.Backend.
func (b *Backend) Subscribe(fn func(ui.Event)) func() {
	return b.d.subscribe(fn, func() []ui.Event {
		b.mu.Lock()
		defer b.mu.Unlock()
		var out []ui.Event
		for _, p := range b.peers {
			out = append(out, ui.PeerSeen{Peer: p})
		}
		for _, o := range b.offers {
			out = append(out, ui.OfferReceived{Offer: o.info})
		}
		for _, t := range b.live {
			out = append(out, ui.TransferUpdated{Transfer: t})
		}
		for _, p := range b.pins {
			out = append(out, p.req) // after the transfers: the row is there first
		}
		return out
	})
}

// Self implements ui.Backend.
func (b *Backend) Self() ui.SelfInfo {
	s := b.dev.Settings()
	return ui.SelfInfo{
		Name: s.DeviceName, ID: b.dev.Identity.ID, Fingerprint: transfer.Fingerprint(b.dev.Identity.ID),
		Addrs: lanHostPorts(b.dev.Port()), Visibility: uiVisibility(s.Visibility), VisibleUntil: s.VisibleUntil,
		Notice: b.currentNotice(),
	}
}

func (b *Backend) currentNotice() string {
	b.mu.Lock()
	r := b.reach
	b.mu.Unlock()
	if r == nil {
		return ""
	}
	return r.Hint(b.tr.get())
}

// OnReach hears the device's reachability check; if a firewall is in the
// way, the window says how to let Lempar through instead of silently
// seeing nobody.
func (b *Backend) OnReach(r app.ReachReport) {
	hint := r.Hint(b.tr.get())
	b.mu.Lock()
	b.reach = &r
	b.mu.Unlock()
	if hint != "" {
		b.d.emit(ui.SelfChanged{Self: b.Self()})
	}
}

// lanHostPorts lists where other devices can reach this one, for people
// adding it by address.
func lanHostPorts(port int) []string {
	var out []string
	for _, a := range app.LANAddrs() {
		out = append(out, netip.AddrPortFrom(a, uint16(port)).String())
	}
	return out
}

// resolve finds where to send to a peer: discovery first, then the trust
// store's last address.
func (b *Backend) resolve(id string) (addr, name string, err error) {
	b.mu.Lock()
	p, ok := b.peers[id]
	b.mu.Unlock()
	if ok && (p.Addr != "" || p.LocalSend) {
		return p.Addr, p.Name, nil
	}
	if k, ok := b.dev.Trust.Get(id); ok && k.LastAddr != "" {
		return k.LastAddr, k.DisplayName(), nil
	}
	return "", "", &transfer.Error{Code: errcode.NoSuchDevice, Key: "cli.err.no-such-device", Args: []any{"Name", transfer.ShortID(id)}}
}

// SendPaths implements ui.Backend.
func (b *Backend) SendPaths(peerIDs []string, paths []string) error {
	srcs, err := transfer.CollectSources(paths)
	if err != nil {
		return b.localized(err)
	}
	return b.sendAll(peerIDs, srcs)
}

// SendText implements ui.Backend.
func (b *Backend) SendText(peerIDs []string, text string) error {
	src, err := transfer.TextSource(text)
	if err != nil {
		return b.localized(err)
	}
	return b.sendAll(peerIDs, []transfer.Source{src})
}

func (b *Backend) sendAll(peerIDs []string, srcs []transfer.Source) error {
	for _, id := range peerIDs {
		if _, _, err := b.resolve(id); err != nil {
			return b.localized(err)
		}
	}
	// Two or more Lempar devices form a swarm (transfer/swarm_doc.go).
	var sw *transfer.Swarm
	lempar := 0
	for _, id := range peerIDs {
		if !b.isLocalSend(id) {
			lempar++
		}
	}
	if lempar >= 2 {
		sw = transfer.NewSwarm(srcs, lempar)
	}
	for _, id := range peerIDs {
		var st *transfer.SwarmTarget
		if sw != nil && !b.isLocalSend(id) {
			st = sw.Target()
		}
		b.startSend(uuid.NewString(), id, srcs, st)
	}
	return nil
}

// startSend starts one target's send; swarm, when set, is its place in a
// swarm with the other targets of the same send.
func (b *Backend) startSend(session, peerID string, srcs []transfer.Source, swarm ...*transfer.SwarmTarget) {
	var st *transfer.SwarmTarget
	if len(swarm) > 0 {
		st = swarm[0]
	}
	addr, name, err := b.resolve(peerID)
	b.mu.Lock()
	b.outgoing[session] = &outgoing{peerID: peerID, srcs: srcs}
	b.startedAt[session] = time.Now()
	b.mu.Unlock()
	first := transferInfoFromSources(session, peerID, name, srcs)
	first.Started = time.Now()
	first.LocalSend = b.isLocalSend(peerID)
	if err != nil {
		first.State, first.Err = ui.Failed, b.describe(err)
		b.update(first)
		st.Skip() // the others must not wait for it
		return
	}
	b.update(first)
	tgt := app.Target{ID: peerID, Addr: addr, Name: name}
	go func() {
		res := b.dev.Send(b.ctx, []app.Target{tgt}, srcs, app.SendOptions{
			Session: session, Swarm: st,
			PIN: b.pinAsker(name),
			OnEvent: func(_ app.Target, e transfer.Event) {
				t := b.transferInfo(e, srcs)
				t.PeerID, t.LocalSend = peerID, first.LocalSend
				b.update(t)
			},
		})
		if r := res[0]; r.Err != nil && !r.Event.State.Final() {
			// Failed before the first event (device gone, disabled).
			t := transferInfoFromSources(session, peerID, name, srcs)
			t.State, t.Err = ui.Failed, b.describe(r.Err)
			b.update(t)
		}
	}()
}

// isLocalSend reports whether id is a LocalSend app, which shows no
// verification code.
func (b *Backend) isLocalSend(id string) bool {
	b.mu.Lock()
	p := b.peers[id]
	b.mu.Unlock()
	return p.LocalSend || localsend.IsPeerID(id)
}

// Retry implements ui.Backend: same session ID, so the receiver's partial
// files are found and only the rest travels.
func (b *Backend) Retry(id string) error {
	b.mu.Lock()
	o, ok := b.outgoing[id]
	b.mu.Unlock()
	if !ok {
		var err error
		if o, err = b.retryFromHistory(id); err != nil {
			return b.localized(err)
		}
	}
	b.startSend(id, o.peerID, o.srcs)
	return nil
}

// pinAsker is the PIN callback of a LocalSend send: it asks the window
// (PINRequested) and waits for AnswerPIN, or for the transfer's context to
// end (Cancel, quitting), which gives up.
func (b *Backend) pinAsker(peerName string) func(ctx context.Context, _ app.Target, session string, wrong bool) (string, bool) {
	return func(ctx context.Context, _ app.Target, session string, wrong bool) (string, bool) {
		p := &pendingPIN{req: ui.PINRequested{Transfer: session, Peer: peerName, Wrong: wrong}, answer: make(chan pinAnswer, 1)}
		b.mu.Lock()
		b.pins[session] = p
		b.mu.Unlock()
		defer func() {
			b.mu.Lock()
			if b.pins[session] == p {
				delete(b.pins, session)
			}
			b.mu.Unlock()
		}()
		b.d.emit(p.req)
		select {
		case a := <-p.answer:
			return a.pin, a.ok
		case <-ctx.Done():
			return "", false
		}
	}
}

// AnswerPIN implements ui.Backend.
func (b *Backend) AnswerPIN(transferID, pin string, ok bool) error {
	b.mu.Lock()
	p, found := b.pins[transferID]
	if found {
		delete(b.pins, transferID) // answered: no longer replayed
	}
	b.mu.Unlock()
	if !found {
		return errors.New(b.tr.T("ui.error.pin-gone"))
	}
	select {
	case p.answer <- pinAnswer{pin: pin, ok: ok}:
	default:
	}
	return nil
}

// Cancel implements ui.Backend.
func (b *Backend) Cancel(id string) error {
	b.mu.Lock()
	p, asking := b.pins[id]
	b.mu.Unlock()
	if asking {
		select {
		case p.answer <- pinAnswer{}: // gives up, like the dialog's Cancel
		default:
		}
	}
	b.dev.Cancel(id)
	return nil
}

// update records and publishes a transfer's state. A finished transfer
// leaves the live maps; only one that may be retried stays remembered.
func (b *Backend) update(t ui.TransferInfo) {
	b.mu.Lock()
	if t.State.Final() {
		delete(b.live, t.ID)
		delete(b.startedAt, t.ID)
		if t.State != ui.Failed && t.State != ui.Cancelled {
			delete(b.outgoing, t.ID)
		}
	} else {
		b.live[t.ID] = t
	}
	b.mu.Unlock()
	b.d.emit(ui.TransferUpdated{Transfer: t})
	if t.State != ui.Waiting && t.PeerID != "" {
		// An accepted offer or a completed send makes the device known
		// (app remembers it before this event).
		b.refreshPeer(t.PeerID)
	}
}

func (b *Backend) describe(err error) string { return Describe(b.tr.get(), err) }

// localized wraps err so the UI shows it in the person's language.
func (b *Backend) localized(err error) error { return errors.New(b.describe(err)) }

// AddByAddress implements ui.Backend.
func (b *Backend) AddByAddress(ctx context.Context, hostport string) (ui.PeerInfo, error) {
	hostport = strings.TrimSpace(hostport)
	p, err := b.dev.AddByAddress(ctx, hostport) // the person asked: the device becomes known
	if err != nil {
		return ui.PeerInfo{}, b.localized(err)
	}
	return b.putPeer(p), nil
}
