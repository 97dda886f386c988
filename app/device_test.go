package app

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
	"github.com/lempar/lempar/savedir"
	"github.com/lempar/lempar/transfer"
)

// testDevice is a device on loopback with its own config and download
// folders; name is what it announces.
type testDevice struct {
	*Device
	dl     string
	cancel context.CancelFunc
	served chan error
}

func openTestDevice(t *testing.T, name string, o DeviceOptions) *testDevice {
	t.Helper()
	netns.RequireLoopback(t)
	cfg := t.TempDir()
	st := DefaultSettings()
	st.DeviceName, st.DownloadDir, st.LocalSend = name, filepath.Join(t.TempDir(), "dl"), false
	if err := SaveSettings(cfg, st); err != nil {
		t.Fatal(err)
	}
	o.ConfigDir, o.Port, o.Listen = cfg, -1, "127.0.0.1"
	o.IncludeLoopback = true
	if o.Logf == nil {
		o.Logf = t.Logf
	}
	d, err := OpenDevice(o)
	if err != nil {
		t.Fatal(err)
	}
	return &testDevice{Device: d, dl: st.DownloadDir}
}

func (d *testDevice) serve(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel, d.served = cancel, make(chan error, 1)
	go func() { d.served <- d.Serve(ctx) }()
	t.Cleanup(func() { d.stop(t) })
}

// stop cancels Serve and waits for it, at most 3 s (the promise to a
// person who quits).
func (d *testDevice) stop(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	d.cancel()
	select {
	case err, ok := <-d.served:
		if ok && err != nil {
			t.Errorf("Serve: %v", err)
		}
		if ok {
			close(d.served)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not return within 3 s of its context ending")
	}
	return time.Since(start)
}

func (d *testDevice) target() Target {
	return Target{ID: d.Identity.ID, Addr: "127.0.0.1:" + strconv.Itoa(d.Port()), Name: d.Settings().DeviceName}
}

// noLeaks checks, when the test ends, that every goroutine it started has
// stopped. zeroconf's announcement goroutine (Server.probe) is the one
// exception: the library starts it per registration and gives no way to
// stop it; it only sleeps and writes to the closed sockets for ~7 s.
func noLeaks(t *testing.T) func() {
	opts := []goleak.Option{goleak.IgnoreCurrent(), goleak.IgnoreAnyFunction("github.com/grandcat/zeroconf.(*Server).probe")}
	return func() { goleak.VerifyNone(t, opts...) }
}

func acceptAll() DeviceOptions { return DeviceOptions{Options: Options{AcceptAll: true}} }

// A device that stops while a transfer to it streams tells the sender,
// which ends as cancelled by that device (no retrying against a device
// that quit), and Serve leaves no goroutine behind.
func TestServeStopsCleanlyMidTransfer(t *testing.T) {
	defer noLeaks(t)()
	rx := openTestDevice(t, "Sari-PC", acceptAll())
	rx.serve(t)
	tx := openTestDevice(t, "Budi", DeviceOptions{NoReceiver: true})
	tx.serve(t)

	src := filepath.Join(t.TempDir(), "film.mkv")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(4 << 30); err != nil { // sparse: nothing to write, lots to send
		t.Fatal(err)
	}
	f.Close()
	srcs, err := transfer.CollectSources([]string{src})
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan SendResult, 1)
	go func() { res <- tx.Send(context.Background(), []Target{rx.target()}, srcs, SendOptions{})[0] }()
	<-testproc.Grown(t, filepath.Join(rx.dl, savedir.PartialDir, "*"+savedir.PartialSuffix), 1<<20)

	took := rx.stop(t)
	t.Logf("receiver stopped in %v", took.Round(time.Millisecond))
	select {
	case r := <-res:
		if r.Event.State != transfer.StateCancelled || transfer.ClassOf(r.Err) != errcode.ClassCancelled {
			t.Fatalf("sender ended as %v: %v (want cancelled by Sari-PC)", r.Event.State, r.Err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the sender did not hear within 2 s that the receiver quit")
	}
	if h := rx.History.List(); len(h) != 1 || h[0].State != string(transfer.StateCancelled) {
		t.Fatalf("receiver's history after quitting: %+v", h)
	}
	tx.stop(t)
}

// A sender that quits while its offer waits for the person: the receiver's
// question closes as cancelled, and Serve returns promptly.
func TestServeStopsSenderWhileAsking(t *testing.T) {
	defer noLeaks(t)()
	asked := make(chan struct{}, 1)
	finals := make(chan transfer.Event, 1)
	rx := openTestDevice(t, "Sari-PC", DeviceOptions{Options: Options{
		Acceptor: transfer.AcceptorFunc(func(ctx context.Context, r *transfer.Request) transfer.Answer {
			asked <- struct{}{}
			<-ctx.Done()
			return transfer.Answer{}
		}),
		OnEvent: func(e transfer.Event) {
			if e.State.Final() {
				finals <- e
			}
		},
	}})
	rx.serve(t)
	tx := openTestDevice(t, "Budi", DeviceOptions{NoReceiver: true})
	tx.serve(t)
	src, _ := transfer.TextSource("halo")
	res := make(chan SendResult, 1)
	go func() {
		res <- tx.Send(context.Background(), []Target{rx.target()}, []transfer.Source{src}, SendOptions{})[0]
	}()
	<-asked
	tx.stop(t)
	if r := <-res; r.Event.State != transfer.StateCancelled {
		t.Fatalf("sender: %v %v", r.Event.State, r.Err)
	}
	select {
	case e := <-finals:
		if e.State != transfer.StateCancelled {
			t.Fatalf("receiver: %v %v", e.State, e.Err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the receiver's question stayed open after the sender quit")
	}
	rx.stop(t)
}

// One Send to two devices delivers the same bytes to both.
func TestSendToTwoDevices(t *testing.T) {
	a := openTestDevice(t, "Ani", acceptAll())
	a.serve(t)
	b := openTestDevice(t, "Bayu", acceptAll())
	b.serve(t)
	tx := openTestDevice(t, "Citra", DeviceOptions{NoReceiver: true})
	tx.serve(t)
	data := bytes.Repeat([]byte("lempar "), 300_000)
	src := filepath.Join(t.TempDir(), "catatan.txt")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	srcs, _ := transfer.CollectSources([]string{src})
	var mu sync.Mutex
	seen := map[string]bool{}
	res := tx.Send(context.Background(), []Target{a.target(), b.target()}, srcs, SendOptions{
		OnEvent: func(t Target, e transfer.Event) {
			mu.Lock()
			seen[t.Name] = true
			mu.Unlock()
		},
	})
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Target.Name, r.Err)
		}
	}
	if !seen["Ani"] || !seen["Bayu"] {
		t.Fatalf("events came for %v", seen)
	}
	if res[0].Event.Session == res[1].Event.Session {
		t.Fatal("two receivers share one session ID")
	}
	for _, d := range []*testDevice{a, b} {
		got, err := os.ReadFile(filepath.Join(d.dl, "catatan.txt"))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s got %d bytes (%v)", d.Settings().DeviceName, len(got), err)
		}
	}
}

// Settings apply to the running device: a new port receives at once and
// the old one is closed; a name change shows in discovery.
func TestApplySettingsMovesThePort(t *testing.T) {
	rx := openTestDevice(t, "Sari-PC", acceptAll())
	rx.o.Options.Port = 0 // the port follows the settings from now on
	rx.serve(t)
	old := rx.Port()
	st := rx.Settings()
	st.Port = freePort(t)
	st.DeviceName = "Sari-Laptop"
	if err := rx.ApplySettings(st); err != nil {
		t.Fatal(err)
	}
	if rx.Port() != st.Port {
		t.Fatalf("listening on %d, want %d", rx.Port(), st.Port)
	}
	if got := rx.Discovery().Instance(); got != "Sari-Laptop" {
		t.Fatalf("announced as %q", got)
	}
	tx := openTestDevice(t, "Budi", DeviceOptions{NoReceiver: true})
	tx.serve(t)
	// Others learn the new port from the announcement.
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := tx.Discovery().Lookup("Sari-Laptop")
		if err == nil && int(p.Addr().Port()) == st.Port {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other device lists %+v (%v), not port %d", p, err, st.Port)
		}
		time.Sleep(20 * time.Millisecond) // polling, bounded by the deadline
	}
	src, _ := transfer.TextSource("pindah port")
	r := tx.Send(context.Background(), []Target{rx.target()}, []transfer.Source{src}, SendOptions{})[0]
	if r.Err != nil {
		t.Fatalf("send to the new port: %v", r.Err)
	}
	stale := Target{ID: rx.Identity.ID, Addr: "127.0.0.1:" + strconv.Itoa(old)}
	tx.o.RetryFor = -1
	if r := tx.Send(context.Background(), []Target{stale}, []transfer.Source{src}, SendOptions{})[0]; r.Err == nil {
		t.Fatal("the old port still receives")
	}
}

// Two processes never run one identity: a second open of the same config
// folder is refused with AlreadyRunning, and its knock reaches the first.
func TestOneInstancePerConfig(t *testing.T) {
	first := openTestDevice(t, "Sari-PC", DeviceOptions{})
	first.serve(t)
	_, err := OpenDevice(DeviceOptions{Options: Options{ConfigDir: first.ConfigDir, Port: -1, Listen: "127.0.0.1"}})
	if !transfer.IsCode(err, errcode.AlreadyRunning) {
		t.Fatalf("second open: %v", err)
	}
	if err := KnockInstance(first.ConfigDir); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.Instance().Knocked():
	case <-time.After(5 * time.Second):
		t.Fatal("the knock did not reach the running device")
	}
	// Shared devices (CLI send, peers) may run beside it.
	shared, err := OpenDevice(DeviceOptions{Options: Options{ConfigDir: first.ConfigDir}, NoReceiver: true, Shared: true})
	if err != nil {
		t.Fatalf("shared open: %v", err)
	}
	_ = shared
	// Once the first stops, the identity is free again.
	first.stop(t)
	again, err := OpenDevice(DeviceOptions{Options: Options{ConfigDir: first.ConfigDir, Port: -1, Listen: "127.0.0.1"}})
	if err != nil {
		t.Fatalf("open after the first stopped: %v", err)
	}
	again.Close()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
