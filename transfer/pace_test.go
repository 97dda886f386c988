package transfer

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
)

// A person who takes longer to decide than either side's idle deadline
// still gets the file: both sides ping while the offer waits. The receiver's
// deadline is shortened to 4 s and the answer comes after 11 s, past the
// sender's own 10 s IdleTimeout too, so a silent side on either end fails
// this test (before the fix the sender wrote nothing while waiting and the
// receiver dropped the offer as a lost connection).
func TestSlowDecisionIsDelivered(t *testing.T) {
	t.Parallel()
	const think = IdleTimeout + time.Second
	var gotCtxErr error
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		if left := time.Until(r.Expires); left < 25*time.Second {
			t.Errorf("the request expires in %v, want the receiver's OfferTimeout", left)
		}
		select {
		case <-time.After(think):
		case <-ctx.Done():
			gotCtxErr = ctx.Err()
		}
		return Answer{Accept: true}
	}), func(s *Server) {
		s.IdleTimeout = 4 * time.Second
		s.OfferTimeout = 30 * time.Second
	})
	data := randBytes(300 << 10)
	src := filepath.Join(t.TempDir(), "a.bin")
	writeFile(t, src, data)
	start := time.Now()
	ev, err := send(t, rx, src)
	if err != nil || ev.State != StateDone {
		t.Fatalf("after a %v decision the sender got %v %v (the acceptor's context ended with %v)", think, ev.State, err, gotCtxErr)
	}
	if took := time.Since(start); took < think {
		t.Fatalf("done after %v, before the person answered", took)
	}
	if re := rx.waitFinal(t); re.State != StateDone {
		t.Fatalf("receiver: %v %v", re.State, re.Err)
	}
	if got, _ := os.ReadFile(filepath.Join(rx.dir, "a.bin")); !bytes.Equal(got, data) {
		t.Fatal("file differs")
	}
}

// An offer nobody answers expires on both sides with the expiry codes, not
// as a lost connection, also when it waits longer than the idle deadlines.
func TestUnansweredOfferExpiresNotLost(t *testing.T) {
	t.Parallel()
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		<-ctx.Done()
		return Answer{}
	}), func(s *Server) {
		s.IdleTimeout = 4 * time.Second
		s.OfferTimeout = 6 * time.Second
	})
	src := filepath.Join(t.TempDir(), "a.txt")
	writeFile(t, src, []byte("x"))
	ev, err := send(t, rx, src)
	if !IsCode(err, errcode.Expired) || ev.State != StateDeclined {
		t.Fatalf("sender got %v %v", ev.State, err)
	}
	if re := rx.waitFinal(t); !IsCode(re.Err, errcode.OfferExpired) {
		t.Fatalf("receiver got %v", re.Err)
	}
}

// A link that drops while the person decides says so in plain words on both
// sides: nothing to resume, and no raw Go error ("EOF", "read tcp …").
func TestDropDuringOfferIsPlain(t *testing.T) {
	t.Parallel()
	asked := make(chan struct{})
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		close(asked)
		<-ctx.Done()
		return Answer{}
	}))
	relay := newCutter(t, rx.addr)
	go func() {
		<-asked
		relay.cut()
	}()
	id, _ := NewEphemeralIdentity()
	txt, _ := TextSource("halo")
	_, err := Send(context.Background(), id, SendOptions{Addr: relay.ln.Addr().String(), Hello: Hello{Name: "Budi"}}, []Source{txt})
	re := rx.waitFinal(t)
	for side, e := range map[string]error{"sender": err, "receiver": re.Err} {
		msg := e.Error()
		if !IsCode(e, errcode.ConnectionLost) || !strings.Contains(msg, "before") || strings.Contains(msg, "resume") ||
			strings.Contains(msg, "EOF") || strings.Contains(msg, "tcp") {
			t.Errorf("%s: %q", side, msg)
		}
	}
	if !strings.Contains(err.Error(), "Sari-PC") || !strings.Contains(re.Err.Error(), "Budi") {
		t.Errorf("names missing: %q / %q", err, re.Err)
	}
}

// Nothing listening: the message says so without "dial tcp …: connect:".
func TestUnreachableIsPlain(t *testing.T) {
	id, _ := NewEphemeralIdentity()
	txt, _ := TextSource("x")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Send(context.Background(), id, SendOptions{Addr: addr, PeerName: "Sari-PC"}, []Source{txt})
	var e *Error
	if !errors.As(err, &e) || e.Code != errcode.Unreachable {
		t.Fatalf("got %v", err)
	}
	if msg := e.Localize(english); !strings.Contains(msg, "nothing answers on that port") || strings.Contains(msg, "dial") {
		t.Fatalf("message %q", msg)
	}
	if d := e.Detail(); !strings.Contains(d, "refused") {
		t.Fatalf("detail %q should keep the raw cause", d)
	}
}
