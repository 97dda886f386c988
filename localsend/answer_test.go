package localsend

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/transfer"
)

// TestLemparAnnouncerNotAnswered (issue 17): an announcement from a device
// that Config.Lempar says is a Lempar device heard over mDNS gets no
// register call; the same announcement is answered by a service without
// the hook, once, however often it repeats within answerGap.
func TestLemparAnnouncerNotAnswered(t *testing.T) {
	netns.RequireLoopback(t)
	// The announcer: an HTTP server counting register calls, and a
	// multicast announcement naming it.
	var registers atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/register") {
			registers.Add(1)
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"alias":"Lempar Peer","version":"2.1","fingerprint":"` + strings.Repeat("AB", 32) + `","port":1,"protocol":"http"}`))
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fp := strings.Repeat("AB", 32)
	yes := true
	ann, _ := json.Marshal(DeviceInfo{Alias: "Lempar Peer", Version: "2.1", Fingerprint: fp, Port: ln.Addr().(*net.TCPAddr).Port, Protocol: "http", Announce: &yes, Announcement: &yes})

	start := func(hook func(string) bool) *Service {
		id, _ := transfer.NewEphemeralIdentity()
		s := New(Config{
			Identity: id, Alias: func() string { return "Listener" }, Dir: func() string { return t.TempDir() },
			Acceptor: transfer.AcceptorFunc(func(context.Context, *transfer.Request) transfer.Answer { return transfer.Answer{} }),
			Port:     -1, IncludeLoopback: true, AllowHTTP: true, Lempar: hook,
		})
		if err := s.Listen(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		return s
	}
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	group := &net.UDPAddr{IP: net.ParseIP(MulticastAddr4), Port: DefaultPort}
	// announce repeats the announcement until cond holds or d passes.
	announce := func(d time.Duration, cond func() bool) {
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) && !cond() {
			_, _ = c.WriteTo(ann, group)
			time.Sleep(100 * time.Millisecond) // a device announcing again, not a readiness wait
		}
	}

	var asked atomic.Int32
	lempar := start(func(f string) bool { asked.Add(1); return strings.EqualFold(f, fp) })
	announce(3*time.Second, func() bool { _, listed := lempar.Device(PeerID(fp)); return asked.Load() > 0 && listed })
	if asked.Load() == 0 {
		t.Fatal("the hook was never asked")
	}
	if n := registers.Load(); n != 0 {
		t.Fatalf("a Lempar announcer heard over mDNS was answered %d times", n)
	}

	start(nil)
	announce(5*time.Second, func() bool { return registers.Load() > 0 })
	if registers.Load() == 0 {
		t.Fatal("without the hook the announcement was never answered (the test proves nothing)")
	}
	announce(time.Second, func() bool { return false })
	if n := registers.Load(); n != 1 {
		t.Fatalf("answered %d times within answerGap, want once", n)
	}
}
