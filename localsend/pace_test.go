package localsend

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// LocalSend apps wait for their person without a timeout of their own
// (the prepare-upload request stays open until the receiver answers), and
// so does Lempar as a LocalSend sender: an answer given after longer than
// any of the HTTP client's own timeouts (dial 5 s, TLS handshake 10 s)
// still delivers the file.
func TestSendWaitsForSlowAnswer(t *testing.T) {
	t.Parallel()
	const think = 12 * time.Second
	r := startRx(t, func(*transfer.Request) transfer.Answer {
		time.Sleep(think) // the person reading the offer
		return transfer.Answer{Accept: true}
	}, nil)
	src := t.TempDir()
	want := map[string][]byte{"laporan.pdf": randBytes(t, 200_000)}
	tree(t, src, want)
	srcs, _ := transfer.CollectSources([]string{filepath.Join(src, "laporan.pdf")})
	start := time.Now()
	ev, err := Send(context.Background(), sendOpts(t, r.device(), newEvents()), srcs)
	if err != nil || ev.State != transfer.StateDone {
		t.Fatalf("after a %v answer: %v %v", think, ev.State, err)
	}
	if time.Since(start) < think {
		t.Fatal("done before the person answered")
	}
	if got := r.ev.wait(t); got.State != transfer.StateDone {
		t.Fatalf("receiver %+v", got)
	}
	sameTree(t, contents(t, r.dir), want)
}

// As a LocalSend receiver an offer waits for the configured OfferTimeout
// (2 minutes unless shortened here) and then expires on this side, with
// the sender told no.
func TestReceiveOfferExpires(t *testing.T) {
	t.Parallel()
	r := startRx(t, nil, func(c *Config) { c.OfferTimeout = 1500 * time.Millisecond })
	r.answer = func(req *transfer.Request) transfer.Answer {
		if left := time.Until(req.Expires); left < time.Second || left > 1500*time.Millisecond {
			t.Errorf("the request expires in %v", left)
		}
		time.Sleep(3 * time.Second) // nobody there; the answer comes too late
		return transfer.Answer{Accept: true}
	}
	src := t.TempDir()
	tree(t, src, map[string][]byte{"x": []byte("x")})
	srcs, _ := transfer.CollectSources([]string{filepath.Join(src, "x")})
	start := time.Now()
	ev, err := Send(context.Background(), sendOpts(t, r.device(), newEvents()), srcs)
	if ev.State != transfer.StateDeclined || time.Since(start) < 1500*time.Millisecond {
		t.Fatalf("sender: %v %v after %v", ev.State, err, time.Since(start))
	}
	if got := r.ev.wait(t); !transfer.IsCode(got.Err, errcode.OfferExpired) {
		t.Fatalf("receiver %+v", got)
	}
}
