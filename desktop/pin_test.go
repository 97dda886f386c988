package desktop

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/transfer"
	"github.com/lempar/lempar/ui"
)

// pinBackend is a backend whose device speaks LocalSend on loopback only.
func pinBackend(t *testing.T) (*Backend, *recorder, *localsend.Service) {
	t.Helper()
	started := make(chan *localsend.Service, 1)
	b, _, r := startDeviceWith(t, func(o *app.DeviceOptions, st *app.Settings) {
		st.LocalSend = true
		o.LocalSend = app.LocalSendOptions{Port: -1, Listen: "127.0.0.1", NoMulticast: true,
			OnStarted: func(s *localsend.Service) { started <- s }}
	})
	select {
	case tx := <-started:
		return b, r, tx
	case <-time.After(10 * time.Second):
		t.Fatal("the backend's LocalSend service did not start")
	}
	return nil, nil, nil
}

// pinReceiver is a LocalSend device on loopback that wants the PIN 4821,
// made known to the backend's LocalSend service tx as "Ayu's phone".
func pinReceiver(t *testing.T, b *Backend, tx *localsend.Service) (peerID string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	id, err := transfer.NewEphemeralIdentity()
	if err != nil {
		t.Fatal(err)
	}
	rx := localsend.New(localsend.Config{
		Identity: id, Alias: func() string { return "Ayu's phone" },
		Dir: func() string { return filepath.Join(t.TempDir(), "in") },
		Acceptor: transfer.AcceptorFunc(func(context.Context, *transfer.Request) transfer.Answer {
			return transfer.Answer{Accept: true}
		}),
		PIN:  func() string { return "4821" },
		Port: -1, Listen: "127.0.0.1", NoMulticast: true,
	})
	if err := rx.Listen(); err != nil {
		t.Fatal(err)
	}
	rxDone := make(chan struct{})
	go func() { _ = rx.Serve(ctx); close(rxDone) }()
	t.Cleanup(func() { cancel(); <-rxDone })

	// What discovery would do: the receiver registers with the sender
	// (showing its certificate), and the peer list shows it.
	body, _ := json.Marshal(rx.Self())
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{id.Cert}, InsecureSkipVerify: true, // test only: loopback, self-signed
	}}}
	resp, err := client.Post("https://127.0.0.1:"+itoa(tx.Port())+"/api/localsend/v2/register", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	peerID = localsend.PeerID(rx.Self().Fingerprint)
	if _, ok := tx.Device(peerID); !ok {
		t.Fatalf("the receiver did not register (status %d)", resp.StatusCode)
	}
	b.mu.Lock()
	b.peers[peerID] = ui.PeerInfo{ID: peerID, Name: "Ayu's phone", LocalSend: true, Addr: "127.0.0.1:" + itoa(rx.Port())}
	b.mu.Unlock()
	return peerID
}

func isPIN(e ui.Event) bool { _, ok := e.(ui.PINRequested); return ok }

func finalOf(id string) func(ui.Event) bool {
	return func(e ui.Event) bool {
		u, ok := e.(ui.TransferUpdated)
		return ok && u.Transfer.ID == id && u.Transfer.State.Final()
	}
}

// A LocalSend receiver that wants a PIN: the window is asked, a wrong PIN
// asks again (and is replayed to a new subscriber), the right one sends.
func TestLocalSendPINAsked(t *testing.T) {
	b, r, tx := pinBackend(t)
	peerID := pinReceiver(t, b, tx)
	if err := b.SendText([]string{peerID}, "halo"); err != nil {
		t.Fatal(err)
	}
	first := r.next(t, isPIN).(ui.PINRequested)
	if first.Peer != "Ayu's phone" || first.Wrong || first.Transfer == "" {
		t.Fatalf("first request: %+v", first)
	}
	if err := b.AnswerPIN(first.Transfer, "0000", true); err != nil {
		t.Fatal(err)
	}
	again := r.next(t, isPIN).(ui.PINRequested)
	if again.Transfer != first.Transfer || !again.Wrong {
		t.Fatalf("after a wrong PIN: %+v", again)
	}

	// A window opened now still sees the pending request.
	replayed := make(chan ui.Event, 64)
	stop := b.Subscribe(func(e ui.Event) { replayed <- e })
	found := false
	for len(replayed) > 0 {
		if p, ok := (<-replayed).(ui.PINRequested); ok && p == again {
			found = true
		}
	}
	stop()
	if !found {
		t.Fatal("the pending PIN request was not replayed")
	}

	if err := b.AnswerPIN(first.Transfer, "4821", true); err != nil {
		t.Fatal(err)
	}
	final := r.next(t, finalOf(first.Transfer)).(ui.TransferUpdated)
	if final.Transfer.State != ui.Done {
		t.Fatalf("final: %+v", final.Transfer)
	}
	if err := b.AnswerPIN(first.Transfer, "4821", true); err == nil {
		t.Fatal("answering a PIN nobody waits for should say so")
	}
}

// Giving up: the dialog's Cancel (AnswerPIN !ok) and the transfer's Cancel
// both end the wait, and the transfer ends as cancelled, not stuck.
func TestLocalSendPINGivenUp(t *testing.T) {
	b, r, tx := pinBackend(t)
	peerID := pinReceiver(t, b, tx)
	for _, how := range []string{"dialog", "transfer"} {
		if err := b.SendText([]string{peerID}, "halo"); err != nil {
			t.Fatal(err)
		}
		p := r.next(t, isPIN).(ui.PINRequested)
		if how == "dialog" {
			if err := b.AnswerPIN(p.Transfer, "", false); err != nil {
				t.Fatal(err)
			}
		} else if err := b.Cancel(p.Transfer); err != nil {
			t.Fatal(err)
		}
		final := r.next(t, finalOf(p.Transfer)).(ui.TransferUpdated)
		if final.Transfer.State != ui.Cancelled {
			t.Fatalf("%s cancel: final %+v", how, final.Transfer)
		}
		b.mu.Lock()
		left, live := len(b.pins), len(b.live)
		b.mu.Unlock()
		if left != 0 || live != 0 {
			t.Fatalf("%s cancel left %d PIN requests and %d live transfers", how, left, live)
		}
	}
}

// The callback itself: it returns what the person answered, and gives up
// when the transfer's context ends.
func TestPINAskerWaits(t *testing.T) {
	b, _, r := startNode(t)
	ask := b.pinAsker("Ayu's phone")
	type result struct {
		pin string
		ok  bool
	}
	got := make(chan result, 1)
	go func() { p, ok := ask(context.Background(), app.Target{}, "t1", true); got <- result{p, ok} }()
	if p := r.next(t, isPIN).(ui.PINRequested); p != (ui.PINRequested{Transfer: "t1", Peer: "Ayu's phone", Wrong: true}) {
		t.Fatalf("request: %+v", p)
	}
	if err := b.AnswerPIN("t1", "ab12", true); err != nil {
		t.Fatal(err)
	}
	if res := <-got; res != (result{"ab12", true}) {
		t.Fatalf("callback returned %+v", res)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { p, ok := ask(ctx, app.Target{}, "t1", false); got <- result{p, ok} }()
	r.next(t, isPIN)
	cancel()
	select {
	case res := <-got:
		if res.ok {
			t.Fatalf("callback returned %+v after its context ended", res)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the callback kept waiting after its context ended")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pins) != 0 {
		t.Fatal("an ended request is still pending")
	}
}
