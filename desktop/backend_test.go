package desktop

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/transfer"
	"github.com/lempar/lempar/ui"
)

// recorder collects what the window would see.
type recorder struct {
	mu     sync.Mutex
	events []ui.Event
	ch     chan ui.Event
}

func (r *recorder) on(e ui.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	r.ch <- e
}

func (r *recorder) next(t *testing.T, match func(ui.Event) bool) ui.Event {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e := <-r.ch:
			if match(e) {
				return e
			}
		case <-deadline:
			t.Fatal("expected event never came")
		}
	}
}

// startNode runs a receiving device whose person is the backend.
func startNode(t *testing.T) (*Backend, *app.Device, *recorder) {
	t.Helper()
	return startDeviceWith(t, nil)
}

// startDeviceWith is startNode with options changed by adjust.
func startDeviceWith(t *testing.T, adjust func(*app.DeviceOptions, *app.Settings)) (*Backend, *app.Device, *recorder) {
	t.Helper()
	netns.RequireLoopback(t)
	ctx, cancel := context.WithCancel(context.Background())
	b := New(ctx, i18n.Load("en"))
	dir := t.TempDir()
	st := app.DefaultSettings()
	st.DeviceName, st.DownloadDir = "Sari-PC", filepath.Join(dir, "dl")
	st.LocalSend = false
	o := app.DeviceOptions{
		Options:         app.Options{ConfigDir: dir, Acceptor: b, OnEvent: b.OnEvent, OnOffer: b.OnOffer, Port: -1, Listen: "127.0.0.1"},
		IncludeLoopback: true,
		Logf:            t.Logf,
	}
	if adjust != nil {
		adjust(&o, &st)
	}
	if err := app.SaveSettings(dir, st); err != nil {
		t.Fatal(err)
	}
	dev, err := app.OpenDevice(o)
	if err != nil {
		t.Fatal(err)
	}
	b.Attach(dev)
	done := make(chan struct{})
	go func() { _ = dev.Serve(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	r := &recorder{ch: make(chan ui.Event, 1024)}
	stop := b.Subscribe(r.on)
	t.Cleanup(stop)
	return b, dev, r
}

func sendFile(t *testing.T, n *app.Device, name string, size int) (chan transfer.Event, string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(src, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	id, _ := transfer.NewEphemeralIdentity()
	srcs, _ := transfer.CollectSources([]string{src})
	out := make(chan transfer.Event, 1)
	addr := "127.0.0.1:" + itoa(n.Port())
	go func() {
		ev, _ := transfer.Send(context.Background(), id, transfer.SendOptions{Addr: addr, Hello: transfer.Hello{Name: "Budi"}}, srcs)
		out <- ev
	}()
	return out, id.ID
}

func TestAcceptThroughTheWindow(t *testing.T) {
	b, n, r := startNode(t)
	res, senderID := sendFile(t, n, "laporan.pdf", 300_000)
	e := r.next(t, func(e ui.Event) bool { _, ok := e.(ui.OfferReceived); return ok }).(ui.OfferReceived)
	if e.Offer.PeerName != "Budi" || len(e.Offer.Code) != 6 || e.Offer.Total != 300_000 || e.Offer.Items[0].Path != "laporan.pdf" {
		t.Fatalf("offer as shown: %+v", e.Offer)
	}
	if err := b.Answer(e.Offer.ID, ui.Decision{Accept: true, Always: true}); err != nil {
		t.Fatal(err)
	}
	final := r.next(t, func(e ui.Event) bool {
		u, ok := e.(ui.TransferUpdated)
		return ok && u.Transfer.State.Final()
	}).(ui.TransferUpdated)
	if final.Transfer.State != ui.Done || final.Transfer.SavedTo != filepath.Join(n.Settings().DownloadDir, "laporan.pdf") {
		t.Fatalf("final: %+v", final.Transfer)
	}
	if ev := <-res; ev.State != transfer.StateDone {
		t.Fatalf("sender: %v %v", ev.State, ev.Err)
	}
	if k, ok := n.Trust.Get(senderID); !ok || !k.AutoAccept {
		t.Fatalf("'always accept' not stored: %+v", k)
	}
	if h := b.History(); len(h) != 1 || h[0].State != ui.Done {
		t.Fatalf("history: %+v", h)
	}
}

func TestDeclineThroughTheWindow(t *testing.T) {
	b, n, r := startNode(t)
	res, _ := sendFile(t, n, "a.bin", 10)
	e := r.next(t, func(e ui.Event) bool { _, ok := e.(ui.OfferReceived); return ok }).(ui.OfferReceived)
	_ = b.Answer(e.Offer.ID, ui.Decision{Accept: false})
	if ev := <-res; ev.State != transfer.StateDeclined {
		t.Fatalf("sender: %v", ev.State)
	}
	if _, err := os.Stat(n.Settings().DownloadDir); !os.IsNotExist(err) {
		t.Fatal("declined offer touched the download folder")
	}
}

func TestWithdrawnOfferCloses(t *testing.T) {
	_, n, r := startNode(t)
	src := filepath.Join(t.TempDir(), "a.bin")
	_ = os.WriteFile(src, []byte("x"), 0o644)
	id, _ := transfer.NewEphemeralIdentity()
	srcs, _ := transfer.CollectSources([]string{src})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = transfer.Send(ctx, id, transfer.SendOptions{Addr: "127.0.0.1:" + itoa(n.Port())}, srcs)
	}()
	e := r.next(t, func(e ui.Event) bool { _, ok := e.(ui.OfferReceived); return ok }).(ui.OfferReceived)
	cancel()
	c := r.next(t, func(e ui.Event) bool { _, ok := e.(ui.OfferClosed); return ok }).(ui.OfferClosed)
	if c.ID != e.Offer.ID || c.Reason != ui.OfferWithdrawn {
		t.Fatalf("closed: %+v", c)
	}
}

func TestSendToUnknownPeerSaysWhy(t *testing.T) {
	b, _, _ := startNode(t)
	src := filepath.Join(t.TempDir(), "a.bin")
	_ = os.WriteFile(src, []byte("x"), 0o644)
	err := b.SendPaths([]string{"deadbeefdeadbeef"}, []string{src})
	if err == nil || err.Error() == "" {
		t.Fatal("sending to nobody should explain itself")
	}
}

func TestImpostorNameIsFlagged(t *testing.T) {
	b, n, r := startNode(t)
	// "Budi" is known by another certificate.
	if _, err := n.Trust.Remember(app.KnownDevice{ID: "aa" + fmt64("b"), Name: "Budi", AutoAccept: true}); err != nil {
		t.Fatal(err)
	}
	res, _ := sendFile(t, n, "x.bin", 10)
	e := r.next(t, func(e ui.Event) bool { _, ok := e.(ui.OfferReceived); return ok }).(ui.OfferReceived)
	if e.Offer.Known || !e.Offer.NameClash {
		t.Fatalf("impostor not flagged: %+v", e.Offer)
	}
	_ = b.Answer(e.Offer.ID, ui.Decision{})
	<-res
}

func itoa(n int) string { return strconv.Itoa(n) }

func fmt64(c string) string {
	s := ""
	for len(s) < 62 {
		s += c
	}
	return s
}

func TestSendPathsToKnownDeviceShowsProgressToDone(t *testing.T) {
	rxB, rxNode, rxRec := startNode(t)
	sender, _, rec := startNode(t)
	// The sender knows the receiver by its certificate and last address.
	if _, err := sender.dev.Trust.Remember(app.KnownDevice{ID: rxNode.Identity.ID, Name: "Sari-PC", LastAddr: "127.0.0.1:" + itoa(rxNode.Port())}); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "foto.jpg")
	if err := os.WriteFile(src, make([]byte, 2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sender.SendPaths([]string{rxNode.Identity.ID}, []string{src}); err != nil {
		t.Fatal(err)
	}
	e := rxRec.next(t, func(e ui.Event) bool { _, ok := e.(ui.OfferReceived); return ok }).(ui.OfferReceived)
	if err := rxB.Answer(e.Offer.ID, ui.Decision{Accept: true}); err != nil {
		t.Fatal(err)
	}
	final := rec.next(t, func(e ui.Event) bool {
		u, ok := e.(ui.TransferUpdated)
		return ok && u.Transfer.Direction == ui.Outgoing && u.Transfer.State.Final()
	}).(ui.TransferUpdated)
	if final.Transfer.State != ui.Done || final.Transfer.Name != "foto.jpg" || final.Transfer.Done != 2<<20 {
		t.Fatalf("final: %+v", final.Transfer)
	}
}
