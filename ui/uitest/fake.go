package uitest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/lempar/lempar/ui/backend"
)

// Fake is an in-memory Backend for tests, screenshots and demos. It never
// touches the network or the disk: it records what the UI asks for and
// delivers the events its owner Emits.
type Fake struct {
	mu         sync.Mutex // guards everything below
	self       backend.SelfInfo
	settings   backend.Settings
	peers      []backend.PeerInfo
	offers     []backend.OfferInfo
	transfers  []backend.TransferInfo
	pins       []backend.PINRequested
	known      []backend.KnownDevice
	history    []backend.TransferInfo
	unfinished backend.UnfinishedInfo
	subs       map[int]func(backend.Event)
	nextSub    int

	sent       []SendCall
	answers    map[string]backend.Decision
	cancelled  []string
	retried    []string
	saved      []backend.Settings
	pinAnswers []PINAnswer

	// AddErr, when set, makes AddByAddress fail with it.
	AddErr error
}

// SendCall records one SendPaths or SendText call.
type SendCall struct {
	PeerIDs []string
	Paths   []string
	Text    string
}

// PINAnswer records one AnswerPIN call.
type PINAnswer struct {
	Transfer string
	PIN      string
	OK       bool
}

// NewFake returns a Fake for this device with settings s.
func NewFake(self backend.SelfInfo, s backend.Settings) *Fake {
	return &Fake{self: self, settings: s, subs: map[int]func(backend.Event){}, answers: map[string]backend.Decision{}}
}

// Emit updates the fake's state and delivers e to every subscriber, on the
// caller's goroutine.
func (f *Fake) Emit(e backend.Event) {
	f.mu.Lock()
	switch e := e.(type) {
	case backend.PeerSeen:
		f.peers = upsert(f.peers, e.Peer, func(p backend.PeerInfo) string { return p.ID })
	case backend.PeerLost:
		f.peers = remove(f.peers, e.ID, func(p backend.PeerInfo) string { return p.ID })
	case backend.OfferReceived:
		f.offers = upsert(f.offers, e.Offer, func(o backend.OfferInfo) string { return o.ID })
	case backend.OfferClosed:
		f.offers = remove(f.offers, e.ID, func(o backend.OfferInfo) string { return o.ID })
	case backend.TransferUpdated:
		f.transfers = upsert(f.transfers, e.Transfer, func(t backend.TransferInfo) string { return t.ID })
		if e.Transfer.State.Final() {
			f.pins = remove(f.pins, e.Transfer.ID, pinKey)
		}
	case backend.PINRequested:
		f.pins = upsert(f.pins, e, pinKey)
	case backend.SelfChanged:
		f.self = e.Self
	}
	subs := make([]func(backend.Event), 0, len(f.subs))
	for _, fn := range f.subs {
		subs = append(subs, fn)
	}
	f.mu.Unlock()
	for _, fn := range subs {
		fn(e)
	}
}

func pinKey(p backend.PINRequested) string { return p.Transfer }

func upsert[T any](list []T, v T, id func(T) string) []T {
	for i := range list {
		if id(list[i]) == id(v) {
			list[i] = v
			return list
		}
	}
	return append(list, v)
}

func remove[T any](list []T, key string, id func(T) string) []T {
	for i := range list {
		if id(list[i]) == key {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// SetKnown replaces the known devices.
func (f *Fake) SetKnown(k []backend.KnownDevice) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.known = append([]backend.KnownDevice(nil), k...)
}

// SetHistory replaces the history, newest first.
func (f *Fake) SetHistory(h []backend.TransferInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.history = append([]backend.TransferInfo(nil), h...)
}

// Sent lists the SendPaths and SendText calls so far.
func (f *Fake) Sent() []SendCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SendCall(nil), f.sent...)
}

// Answers maps offer IDs to the decisions the UI gave.
func (f *Fake) Answers() map[string]backend.Decision {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]backend.Decision{}
	for k, v := range f.answers {
		out[k] = v
	}
	return out
}

// Cancelled lists the transfer IDs the UI cancelled.
func (f *Fake) Cancelled() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cancelled...)
}

// Retried lists the transfer IDs the UI retried.
func (f *Fake) Retried() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.retried...)
}

// PINAnswers lists the AnswerPIN calls so far, oldest first.
func (f *Fake) PINAnswers() []PINAnswer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]PINAnswer(nil), f.pinAnswers...)
}

// Saved lists every SaveSettings call, oldest first.
func (f *Fake) Saved() []backend.Settings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]backend.Settings(nil), f.saved...)
}

func (f *Fake) Self() backend.SelfInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.self
}

func (f *Fake) Subscribe(fn func(backend.Event)) func() {
	f.mu.Lock()
	id := f.nextSub
	f.nextSub++
	f.subs[id] = fn
	var replay []backend.Event
	for _, p := range f.peers {
		replay = append(replay, backend.PeerSeen{Peer: p})
	}
	for _, o := range f.offers {
		replay = append(replay, backend.OfferReceived{Offer: o})
	}
	for _, t := range f.transfers {
		replay = append(replay, backend.TransferUpdated{Transfer: t})
	}
	for _, p := range f.pins {
		replay = append(replay, p)
	}
	f.mu.Unlock()
	for _, e := range replay {
		fn(e)
	}
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, id)
	}
}

func (f *Fake) SendPaths(peerIDs, paths []string) error {
	if len(peerIDs) == 0 || len(paths) == 0 {
		return errors.New("nothing to send")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, SendCall{PeerIDs: append([]string(nil), peerIDs...), Paths: append([]string(nil), paths...)})
	return nil
}

func (f *Fake) SendText(peerIDs []string, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, SendCall{PeerIDs: append([]string(nil), peerIDs...), Text: text})
	return nil
}

func (f *Fake) AddByAddress(_ context.Context, hostport string) (backend.PeerInfo, error) {
	if f.AddErr != nil {
		return backend.PeerInfo{}, f.AddErr
	}
	p := backend.PeerInfo{ID: "addr-" + hostport, Name: hostport, Addr: hostport, LastSeen: time.Now()}
	f.Emit(backend.PeerSeen{Peer: p})
	return p, nil
}

func (f *Fake) Answer(offerID string, d backend.Decision) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[offerID] = d
	f.offers = remove(f.offers, offerID, func(o backend.OfferInfo) string { return o.ID })
	return nil
}

func (f *Fake) Cancel(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancelled = append(f.cancelled, id)
	return nil
}

// AnswerPIN records the answer; like the real backend it fails when no
// PIN request is pending for transferID.
func (f *Fake) AnswerPIN(transferID, pin string, ok bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pinAnswers = append(f.pinAnswers, PINAnswer{Transfer: transferID, PIN: pin, OK: ok})
	n := len(f.pins)
	f.pins = remove(f.pins, transferID, pinKey)
	if len(f.pins) == n {
		return errors.New("this transfer no longer waits for a PIN")
	}
	return nil
}

func (f *Fake) Retry(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retried = append(f.retried, id)
	return nil
}

func (f *Fake) Settings() backend.Settings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.settings
}

func (f *Fake) SaveSettings(s backend.Settings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settings = s
	f.self.Name = s.DeviceName
	f.self.Visibility = s.Visibility
	f.saved = append(f.saved, s)
	return nil
}

func (f *Fake) KnownDevices() []backend.KnownDevice {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]backend.KnownDevice(nil), f.known...)
}

func (f *Fake) RenameKnown(id, name string) error {
	return f.editKnown(id, func(k *backend.KnownDevice) { k.Name = name })
}

func (f *Fake) SetAutoAccept(id string, on bool) error {
	return f.editKnown(id, func(k *backend.KnownDevice) { k.AutoAccept = on })
}

func (f *Fake) ForgetKnown(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.known = remove(f.known, id, func(k backend.KnownDevice) string { return k.ID })
	return nil
}

func (f *Fake) editKnown(id string, edit func(*backend.KnownDevice)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.known {
		if f.known[i].ID == id {
			edit(&f.known[i])
			return nil
		}
	}
	return errors.New("this device is no longer known; reopen the list")
}

func (f *Fake) History() []backend.TransferInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]backend.TransferInfo(nil), f.history...)
}
