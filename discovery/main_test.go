package discovery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
)

// envHelper makes the test binary run one Service as a child process, so a
// test can kill it for real (SIGKILL: no goodbye, sockets gone).
const envHelper = "LEMPAR_DISCOVERY_HELPER"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(envHelper); cfg != "" {
		os.Exit(runHelper(cfg))
	}
	os.Exit(netns.MainInLoopback(m))
}

// runHelper serves one device until SIGTERM (clean stop, goodbye) or
// SIGKILL. It prints "ready PORT" once announcing.
func runHelper(cfg string) int {
	var self Self
	if err := json.Unmarshal([]byte(cfg), &self); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	go acceptAndClose(ln)
	self.Port = ln.Addr().(*net.TCPAddr).Port
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	svc := New(Config{Self: self, IncludeLoopback: true})
	fmt.Printf("ready %d\n", self.Port)
	_ = svc.Serve(ctx)
	return 0
}

func acceptAndClose(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

func randomID(t testing.TB) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// node is one Service with a stand-in engine (a TCP listener that accepts
// and closes), running until the test ends or stop is called.
type node struct {
	svc    *Service
	self   Self
	events <-chan Event
	cancel context.CancelFunc
	done   chan struct{}
	ln     net.Listener
}

func startNode(t *testing.T, name string, mod func(*Config)) *node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go acceptAndClose(ln)
	self := Self{ID: randomID(t), Name: name, Port: ln.Addr().(*net.TCPAddr).Port, Proto: "1"}
	cfg := Config{Self: self, IncludeLoopback: true, Logf: t.Logf}
	if mod != nil {
		mod(&cfg)
	}
	n := &node{svc: New(cfg), self: cfg.Self, done: make(chan struct{}), ln: ln}
	n.events, _ = n.svc.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	go func() {
		defer close(n.done)
		if err := n.svc.Serve(ctx); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	t.Cleanup(n.stop)
	return n
}

// stop cancels Serve (which says goodbye) and waits for it to return.
func (n *node) stop() {
	n.cancel()
	<-n.done
	n.ln.Close()
}

// waitFor reads n's events until one matches or timeout passes, and says
// how long it took.
func (n *node) waitFor(t *testing.T, timeout time.Duration, what string, match func(Event) bool) (Event, time.Duration) {
	t.Helper()
	start := time.Now()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case ev, ok := <-n.events:
			if !ok {
				t.Fatalf("%s: event stream closed", what)
			}
			if match(ev) {
				return ev, time.Since(start)
			}
		case <-deadline.C:
			t.Fatalf("%s: nothing within %v", what, timeout)
		}
	}
}

// expectNone fails if a matching event comes within d.
func (n *node) expectNone(t *testing.T, d time.Duration, what string, match func(Event) bool) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		select {
		case ev := <-n.events:
			if match(ev) {
				t.Fatalf("%s: got %v %+v", what, ev.Kind, ev.Peer)
			}
		case <-deadline.C:
			return
		}
	}
}

func is(kind EventKind, id string) func(Event) bool {
	return func(e Event) bool { return e.Kind == kind && e.Peer.ID == id }
}

// helperProc is a Service in a child process.
type helperProc struct {
	cmd  *exec.Cmd
	self Self
	port int
	wait chan error
}

func startHelper(t *testing.T, name string) *helperProc {
	t.Helper()
	self := Self{ID: randomID(t), Name: name, Proto: "1"}
	cfg, _ := json.Marshal(self)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envHelper+"="+string(cfg))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helperProc{cmd: cmd, self: self, wait: make(chan error, 1)}
	var once sync.Once
	t.Cleanup(func() {
		once.Do(func() { _ = cmd.Process.Kill() })
		<-h.wait
	})
	line := make([]byte, 64)
	n, err := out.Read(line)
	if err != nil || !strings.HasPrefix(string(line[:n]), "ready ") {
		t.Fatalf("helper did not start: %q %v", line[:n], err)
	}
	h.port, _ = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(string(line[:n]), "ready ")))
	go func() { h.wait <- cmd.Wait() }()
	return h
}

func loopbackAddr(port int) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
}
