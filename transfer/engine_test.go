package transfer

import (
	"bytes"
	"context"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testNode is a real receiver on a loopback port.
type testNode struct {
	id     *Identity
	srv    *Server
	addr   string
	dir    string
	mu     sync.Mutex
	events []Event
	final  chan Event
}

func startReceiver(t *testing.T, acc Acceptor, opts ...func(*Server)) *testNode {
	t.Helper()
	id, err := NewEphemeralIdentity()
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{id: id, dir: filepath.Join(t.TempDir(), "Downloads"), final: make(chan Event, 16)}
	n.srv = &Server{
		Identity: id,
		Hello:    func() Hello { return Hello{Name: "Sari-PC", App: "test"} },
		Dir:      func() string { return n.dir },
		Acceptor: acc,
		OnEvent: func(e Event) {
			n.mu.Lock()
			n.events = append(n.events, e)
			n.mu.Unlock()
			if e.State.Final() {
				n.final <- e
			}
		},
	}
	for _, o := range opts {
		o(n.srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return n
}

// saw reports whether the receiver has emitted an event in state st.
func (n *testNode) saw(st State) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, e := range n.events {
		if e.State == st {
			return true
		}
	}
	return false
}

func (n *testNode) waitFinal(t *testing.T) Event {
	t.Helper()
	select {
	case e := <-n.final:
		return e
	case <-time.After(30 * time.Second):
		t.Fatal("receiver never sent a final event")
	}
	return Event{}
}

var acceptAll = AcceptorFunc(func(ctx context.Context, r *Request) Answer { return Answer{Accept: true} })

func writeFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func send(t *testing.T, to *testNode, paths ...string) (Event, error) {
	t.Helper()
	id, err := NewEphemeralIdentity()
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := CollectSources(paths)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return Send(ctx, id, SendOptions{Addr: to.addr, PeerID: to.id.ID, Hello: Hello{Name: "Budi"}}, srcs)
}

func TestSendTree(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	src := t.TempDir()
	tree := filepath.Join(src, "Foto liburan")
	big := randBytes(3*ChunkSize + 123)
	writeFile(t, filepath.Join(tree, "pantai ☀️.jpg"), big)
	writeFile(t, filepath.Join(tree, "kosong.txt"), nil)
	writeFile(t, filepath.Join(tree, "sub", "dalam", "a.bin"), randBytes(5000))
	if err := os.MkdirAll(filepath.Join(tree, "empty dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	ev, err := send(t, rx, tree)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if ev.State != StateDone || ev.FilesDone != 3 {
		t.Fatalf("sender final = %+v", ev)
	}
	rev := rx.waitFinal(t)
	if rev.State != StateDone || rev.Err != nil {
		t.Fatalf("receiver final = %+v", rev)
	}
	if rev.Code != ev.Code || len(ev.Code) != 6 {
		t.Fatalf("codes differ: sender %q receiver %q", ev.Code, rev.Code)
	}
	got, err := os.ReadFile(filepath.Join(rx.dir, "Foto liburan", "pantai ☀️.jpg"))
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("big file differs (err %v)", err)
	}
	if st, err := os.Stat(filepath.Join(rx.dir, "Foto liburan", "empty dir")); err != nil || !st.IsDir() {
		t.Fatalf("empty dir missing: %v", err)
	}
	if st, err := os.Stat(filepath.Join(rx.dir, "Foto liburan", "kosong.txt")); err != nil || st.Size() != 0 {
		t.Fatalf("empty file missing: %v", err)
	}
	// Again: every file must get a "(1)" copy, the originals untouched.
	if _, err := send(t, rx, tree); err != nil {
		t.Fatal(err)
	}
	rx.waitFinal(t)
	if _, err := os.Stat(filepath.Join(rx.dir, "Foto liburan", "pantai ☀️ (1).jpg")); err != nil {
		t.Fatalf("conflict copy missing: %v", err)
	}
}
