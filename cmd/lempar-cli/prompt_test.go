package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/transfer"
)

// lockedBuffer is a bytes.Buffer safe to read while the prompter writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls until cond holds, or fails the test after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func testRequest(t *testing.T, in time.Duration) *transfer.Request {
	txt, err := transfer.TextSource("halo")
	if err != nil {
		t.Fatal(err)
	}
	return &transfer.Request{
		Peer: transfer.PeerInfo{Name: "Budi", Addr: "127.0.0.1:1", ID: strings.Repeat("ab", 32)}, Code: "123456",
		Offer: &transfer.Offer{Items: []transfer.Item{txt.Item}}, Dir: "/tmp/dl", Expires: time.Now().Add(in),
	}
}

type decided struct {
	ans transfer.Answer
	at  time.Time
}

func decideAsync(p *prompter, ctx context.Context, r *transfer.Request) <-chan decided {
	ch := make(chan decided, 1)
	go func() { ch <- decided{p.Decide(ctx, r), time.Now()} }()
	return ch
}

// A 'y' typed before the question was on screen doesn't answer it; the
// line typed after it does.
func TestPromptIgnoresStaleAnswer(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	out := &lockedBuffer{}
	p := newPrompter(i18n.Load("en"), pr, out)
	p.once.Do(p.start)
	if _, err := io.WriteString(pw, "y\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the early line to be read", func() bool {
		p.qmu.Lock()
		defer p.qmu.Unlock()
		return len(p.queue) == 1
	})
	r := testRequest(t, time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), r.Expires)
	defer cancel()
	res := decideAsync(p, ctx, r)
	waitFor(t, 5*time.Second, "the question", func() bool { return strings.Contains(out.String(), "Accept? [y/N]") })
	select {
	case d := <-res:
		t.Fatalf("the stale line answered: %+v", d.ans)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := io.WriteString(pw, "n\n"); err != nil {
		t.Fatal(err)
	}
	if d := <-res; d.ans.Accept {
		t.Fatal("accepted, but the answer typed after the question was n")
	}
	if !strings.Contains(out.String(), "Answer within 1:00 (by ") {
		t.Fatalf("no deadline line for a non-terminal:\n%s", out.String())
	}
}

// Nobody answers: the question ends when the offer expires, not before.
func TestPromptExpires(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	out := &lockedBuffer{}
	p := newPrompter(i18n.Load("en"), pr, out)
	p.quiet = true
	r := testRequest(t, 1500*time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), r.Expires)
	defer cancel()
	d := <-decideAsync(p, ctx, r)
	if d.ans.Accept || d.at.Before(r.Expires) {
		t.Fatalf("answer %+v at %v, expiry %v", d.ans, d.at, r.Expires)
	}
	if !strings.Contains(out.String(), "You didn't answer the offer from Budi within 2 minutes") {
		t.Fatalf("no expiry notice:\n%s", out.String())
	}
}

// On a terminal the countdown leads the prompt line and is redrawn in
// place every second (save cursor, start of line, restore cursor), the
// same width each time, so typed input stays where it is.
func TestPromptCountdownRedraws(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	out, raw := &lockedBuffer{}, &lockedBuffer{}
	p := newPrompter(i18n.Load("en"), pr, out)
	p.tty, p.raw = true, raw
	flushed := 0
	p.flush = func() { flushed++ }
	r := testRequest(t, 3*time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), r.Expires)
	defer cancel()
	res := decideAsync(p, ctx, r)
	waitFor(t, 5*time.Second, "the question", func() bool { return strings.Contains(out.String(), "[0:03 left] Accept? [y/N] ") })
	waitFor(t, 5*time.Second, "two redraws", func() bool { return strings.Count(raw.String(), "\x1b7\r") >= 2 })
	for _, want := range []string{"\x1b7\r[0:02 left]\x1b8", "\x1b7\r[0:01 left]\x1b8"} {
		if !strings.Contains(raw.String(), want) {
			t.Errorf("redraws %q lack %q", raw.String(), want)
		}
	}
	if _, err := io.WriteString(pw, "y\n"); err != nil {
		t.Fatal(err)
	}
	if d := <-res; !d.ans.Accept {
		t.Fatal("y after the question did not accept")
	}
	if flushed != 1 {
		t.Fatalf("type-ahead flushed %d times, want once before the question", flushed)
	}
}
