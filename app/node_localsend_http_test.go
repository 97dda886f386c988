package app

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/transfer"
)

// lsRun is a node's LocalSend service running on loopback for a test.
type lsRun struct {
	n       *Node
	ls      *LocalSend
	started chan *localsend.Service
	finals  chan transfer.Event
}

func startLocalSend(t *testing.T, o LocalSendOptions, settings func(*Settings)) *lsRun {
	t.Helper()
	r := &lsRun{started: make(chan *localsend.Service, 4), finals: make(chan transfer.Event, 8)}
	cfg := t.TempDir()
	if settings != nil {
		s := DefaultSettings()
		settings(&s)
		if err := SaveSettings(cfg, s); err != nil {
			t.Fatal(err)
		}
	}
	n, err := NewNode(Options{
		ConfigDir: cfg, Name: "Budi", Dir: filepath.Join(t.TempDir(), "dl"), Port: -1,
		Acceptor: transfer.AcceptorFunc(func(context.Context, *transfer.Request) transfer.Answer {
			return transfer.Answer{Accept: true}
		}),
		OnEvent: func(e transfer.Event) {
			if e.State.Final() {
				r.finals <- e
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.n = n
	o.Port, o.Listen, o.NoMulticast = -1, "127.0.0.1", true
	o.OnStarted = func(s *localsend.Service) { r.started <- s }
	r.ls = n.NewLocalSend(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.ls.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return r
}

func (r *lsRun) waitStarted(t *testing.T) *localsend.Service {
	t.Helper()
	select {
	case s := <-r.started:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("LocalSend did not start")
		return nil
	}
}

// send is an HTTP-only LocalSend peer (encryption off) sending a message,
// with pin as its PIN answer ("" = it has none).
func (r *lsRun) send(t *testing.T, port int, proto, pin string) (transfer.Event, error) {
	t.Helper()
	id, _ := transfer.NewEphemeralIdentity()
	src, _ := transfer.TextSource("halo dari HP")
	var ask func(context.Context, bool) (string, bool)
	if pin != "" {
		asked := false
		ask = func(context.Context, bool) (string, bool) {
			if asked {
				return "", true // no other PIN to try
			}
			asked = true
			return pin, true
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return localsend.Send(ctx, localsend.SendOptions{
		Identity: id, PIN: ask,
		To:   localsend.Device{Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), Protocol: proto},
		Self: localsend.DeviceInfo{Alias: "HP Ayu", Fingerprint: "random-http-token", Port: 1, Protocol: proto},
	}, []transfer.Source{src})
}

func (r *lsRun) final(t *testing.T) transfer.Event {
	t.Helper()
	select {
	case e := <-r.finals:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no final event")
		return transfer.Event{}
	}
}

func (r *lsRun) set(t *testing.T, change func(*Settings)) {
	t.Helper()
	s := r.n.Settings()
	change(&s)
	if err := r.n.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	r.ls.Changed()
}

// TestLocalSendHTTPSetting: a LocalSend peer with encryption off reaches
// the device only once "Allow LocalSend devices without encryption" is on;
// the service restarts at once on the same port, and off again it is shut
// out again. HTTPS works throughout.
func TestLocalSendHTTPSetting(t *testing.T) {
	r := startLocalSend(t, LocalSendOptions{}, nil)
	port := r.waitStarted(t).Port()
	if _, err := r.send(t, port, "http", ""); !refusedHTTP(err) {
		t.Fatalf("HTTP before the setting: %v", err)
	}
	r.set(t, func(s *Settings) { s.LocalSendHTTP = true })
	if p := r.waitStarted(t).Port(); p != port {
		t.Fatalf("restarted on port %d, was %d", p, port)
	}
	if _, err := r.send(t, port, "http", ""); err != nil {
		t.Fatalf("HTTP with the setting on: %v", err)
	}
	if e := r.final(t); e.State != transfer.StateDone || len(e.Texts) != 1 || e.Texts[0] != "halo dari HP" {
		t.Fatalf("received %v %q", e.State, e.Texts)
	}
	if _, err := r.send(t, port, "https", ""); err != nil {
		t.Fatalf("HTTPS with HTTP on: %v", err)
	}
	r.final(t)
	r.set(t, func(s *Settings) { s.LocalSendHTTP = false })
	r.waitStarted(t)
	if _, err := r.send(t, port, "http", ""); !refusedHTTP(err) {
		t.Fatalf("HTTP after turning it off: %v", err)
	}
	// Unrelated changes don't restart it.
	r.set(t, func(s *Settings) { s.DeviceName = "Budi 2" })
	select {
	case <-r.started:
		t.Fatal("restarted for a name change")
	case <-time.After(300 * time.Millisecond):
	}
}

// refusedHTTP: a plain HTTP request met only TLS there (Go's TLS server
// answers it with a 400 of its own).
func refusedHTTP(err error) bool {
	return transfer.IsCode(err, errcode.LocalSendHTTP) || transfer.IsCode(err, errcode.LocalSendUnreachable)
}

// TestLocalSendPINSetting: the receive PIN from the settings is asked of
// senders at once, changed or cleared without a restart; a run's PIN flag
// (lempar-cli receive --localsend-pin) wins over it, and --localsend-http
// allows HTTP whatever the setting.
func TestLocalSendPINSetting(t *testing.T) {
	r := startLocalSend(t, LocalSendOptions{}, func(s *Settings) { s.LocalSendPIN = "2468" })
	port := r.waitStarted(t).Port()
	if _, err := r.send(t, port, "https", ""); !transfer.IsCode(err, errcode.LocalSendPINRequired) {
		t.Fatalf("no PIN: %v", err)
	}
	if _, err := r.send(t, port, "https", "1111"); !transfer.IsCode(err, errcode.LocalSendPINWrong) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if _, err := r.send(t, port, "https", "2468"); err != nil {
		t.Fatalf("right PIN: %v", err)
	}
	if e := r.final(t); e.State != transfer.StateDone {
		t.Fatalf("right PIN: %v", e.State)
	}
	r.set(t, func(s *Settings) { s.LocalSendPIN = "" })
	if _, err := r.send(t, port, "https", ""); err != nil {
		t.Fatalf("PIN cleared: %v", err)
	}
	r.final(t)
	select {
	case <-r.started:
		t.Fatal("a PIN change restarted the service")
	default:
	}

	cli := startLocalSend(t, LocalSendOptions{AllowHTTP: true, PIN: func() string { return "1357" }},
		func(s *Settings) { s.LocalSendPIN = "2468" })
	port = cli.waitStarted(t).Port()
	if _, err := cli.send(t, port, "http", "2468"); !transfer.IsCode(err, errcode.LocalSendPINWrong) {
		t.Fatalf("the setting's PIN under a flag's: %v", err)
	}
	if _, err := cli.send(t, port, "http", "1357"); err != nil {
		t.Fatalf("the flag's PIN over HTTP: %v", err)
	}
	cli.final(t)
}

// TestSettingsLocalSendMigration: a settings file from before these fields
// keeps HTTP off and no PIN; a hand-edited PIN with control characters is
// cleaned, not dropped (dropping it would let everyone send).
func TestSettingsLocalSendMigration(t *testing.T) {
	fakeHome(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, SettingsFile), []byte(`{"deviceName": "Old", "localSend": true}`), 0o600)
	s, err := LoadSettings(dir)
	if err != nil || s.LocalSendHTTP || s.LocalSendPIN != "" || !s.LocalSend {
		t.Fatalf("%+v %v", s, err)
	}
	os.WriteFile(filepath.Join(dir, SettingsFile), []byte(`{"localSendPIN": "12\u0000 34\u202e", "localSendHTTP": true}`), 0o600)
	if s, _ = LoadSettings(dir); s.LocalSendPIN != "12 34" || !s.LocalSendHTTP || !ValidPIN(s.LocalSendPIN) {
		t.Fatalf("%+v", s)
	}
	for pin, ok := range map[string]bool{"": true, "1234": true, "kata sandi ✓": true, "a\tb": false, "\u200b1": false, string(make([]byte, 33)): false, "123456789012345678901234567890ab": true} {
		if ValidPIN(pin) != ok {
			t.Errorf("ValidPIN(%q) = %v", pin, !ok)
		}
	}
}
