package localsend

import (
	"bytes"
	"context"
	"crypto/rand"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lempar/lempar/savedir"
	"github.com/lempar/lempar/transfer"
)

// events collects a session's events and hands out the final one.
type events struct {
	mu    sync.Mutex
	all   []transfer.Event
	final chan transfer.Event
}

func newEvents() *events { return &events{final: make(chan transfer.Event, 16)} }

func (e *events) on(ev transfer.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
	if ev.State.Final() {
		e.final <- ev
	}
}

func (e *events) wait(t *testing.T) transfer.Event {
	t.Helper()
	select {
	case ev := <-e.final:
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no final event")
	}
	return transfer.Event{}
}

type rx struct {
	svc    *Service
	dir    string
	ev     *events
	asked  chan *transfer.Request
	answer func(*transfer.Request) transfer.Answer
	cancel context.CancelFunc
	done   chan error
}

// startRx runs a receiving Service on 127.0.0.1 with a scripted acceptor.
func startRx(t *testing.T, answer func(*transfer.Request) transfer.Answer, mod func(*Config)) *rx {
	t.Helper()
	id, err := transfer.NewEphemeralIdentity()
	if err != nil {
		t.Fatal(err)
	}
	r := &rx{dir: filepath.Join(t.TempDir(), "inbox"), ev: newEvents(), asked: make(chan *transfer.Request, 16), answer: answer, done: make(chan error, 1)}
	cfg := Config{
		Identity: id, Alias: func() string { return "Receiver" }, Dir: func() string { return r.dir },
		Acceptor: transfer.AcceptorFunc(func(ctx context.Context, req *transfer.Request) transfer.Answer {
			r.asked <- req
			return r.answer(req)
		}),
		OnEvent: r.ev.on, Port: -1, Listen: "127.0.0.1", NoMulticast: true,
	}
	if mod != nil {
		mod(&cfg)
	}
	r.svc = New(cfg)
	if err := r.svc.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.svc.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return r
}

func accept(*transfer.Request) transfer.Answer  { return transfer.Answer{Accept: true} }
func decline(*transfer.Request) transfer.Answer { return transfer.Answer{} }

func (r *rx) device() Device {
	return Device{
		ID: PeerID(r.svc.cfg.Identity.ID), Fingerprint: ourFingerprint(r.svc.cfg.Identity.ID), Alias: "Receiver",
		Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(r.svc.Port())), Protocol: "https",
	}
}

func sendOpts(t *testing.T, to Device, ev *events) SendOptions {
	t.Helper()
	id, err := transfer.NewEphemeralIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return SendOptions{
		Identity: id, To: to, OnEvent: ev.on,
		Self: DeviceInfo{Alias: "Sender", Version: Version, DeviceType: str("desktop"), Fingerprint: ourFingerprint(id.ID), Port: 1, Protocol: "https"},
	}
}

func randBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// tree writes files (relative path → content) under dir.
func tree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for p, b := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// contents reads every regular file under dir (relative slash paths).
func contents(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		b, _ := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	return out
}

func sameTree(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d files %v, want %d", len(got), keys(got), len(want))
	}
	for p, b := range want {
		if !bytes.Equal(got[p], b) {
			t.Errorf("%s: got %d bytes, want %d (equal=false)", p, len(got[p]), len(b))
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func noPartials(t *testing.T, dir string) {
	t.Helper()
	for p := range contents(t, dir) {
		if strings.HasSuffix(p, savedir.PartialSuffix) {
			t.Errorf("partial file left: %s", p)
		}
	}
}

// waitNoPartials polls until the uploads that were cut off have removed
// their partial files (they return after the session's final event).
func waitNoPartials(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := 0
		for p := range contents(t, dir) {
			if strings.HasSuffix(p, savedir.PartialSuffix) {
				left++
			}
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			noPartials(t, dir)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func netipAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
