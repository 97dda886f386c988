package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/testproc"
)

// Offers at a person's pace: `lempar-cli receive` without --yes asks at
// its prompt, and the answer comes from a pipe as late as a person might
// give it. These take minutes of wall time, so they run in parallel.

// offerWait is a sender and a prompting receiver with one offer up.
type offerWait struct {
	rx      *receiver
	tx      *testproc.Proc
	answer  *os.File // the receiver's stdin
	src     string
	asked   time.Time // when the receiver showed the offer
	dlDir   string
	content int64
}

func startOfferWait(t *testing.T) *offerWait {
	t.Helper()
	tmp := t.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	o := &offerWait{answer: w, dlDir: filepath.Join(tmp, "dl"), content: 3 << 20}
	o.rx = startReceiver(t, filepath.Join(tmp, "rx"), o.dlDir, r)
	o.src = filepath.Join(tmp, "src", "laporan.pdf")
	writeRandom(t, o.src, o.content)
	o.tx = start(t, nil, "--config", filepath.Join(tmp, "tx"), "send", "--json", "--name", "Budi", "--to", o.rx.addr(), o.src)
	// The prompt is on the receiver's stderr; the question's last words
	// mark the moment it was asked.
	if !o.rx.Until(30*time.Second, func() bool { return strings.Contains(o.rx.Stderr(), "Accept? [y/N]") }) {
		t.Fatalf("no question within 30 s:\n%s", o.rx.Stderr())
	}
	o.asked = time.Now()
	if !strings.Contains(o.rx.Stderr(), "Answer within 2:00 (by ") {
		t.Fatalf("the prompt shows no deadline:\n%s", o.rx.Stderr())
	}
	return o
}

// An offer answered after 30 s and one answered after 110 s (of the 2
// minutes) are both delivered. The two run side by side in one test, each
// with its own receiver (a prompt asks one question at a time), so the
// suite waits 110 s for both, not 140 s, however few tests run in parallel.
func TestOfferAnsweredLate(t *testing.T) {
	t.Parallel()
	delays := []time.Duration{30 * time.Second, 110 * time.Second}
	offers := make([]*offerWait, len(delays))
	for i := range delays {
		offers[i] = startOfferWait(t)
	}
	for i, d := range delays {
		o := offers[i]
		// Nothing may end while the person reads.
		o.tx.None(time.Until(o.asked.Add(d)), "an end before the answer", testproc.Event.Final)
		o.rx.None(0, "an end before the answer", testproc.Event.Final)
		if _, err := o.answer.WriteString("y\n"); err != nil {
			t.Fatal(err)
		}
		if code := o.tx.Exit(time.Minute); code != 0 {
			t.Fatalf("sender exit %d after answering at %v\n%s", code, d, o.tx.Stderr())
		}
		if fin, _ := o.tx.LastFinal(); fin.Str("state") != "done" {
			t.Fatalf("answered at %v: sender final %v", d, fin)
		}
		if re := o.rx.finalEvent(30 * time.Second); re["state"] != "done" {
			t.Fatalf("answered at %v: receiver final %v\n%s", d, re, o.rx.Stderr())
		}
		if err := sameFile(o.src, filepath.Join(o.dlDir, "laporan.pdf")); err != nil {
			t.Fatal(err)
		}
		t.Logf("answered %v after the question: delivered", d)
	}
}

// Nobody answers: at 2 minutes both sides end as "expired", each saying so
// in its person's terms, and a late 'y' changes nothing.
func TestOfferUnansweredExpires(t *testing.T) {
	t.Parallel()
	o := startOfferWait(t)
	code := o.tx.Exit(2*time.Minute + 30*time.Second)
	fin, _ := o.tx.LastFinal()
	took := fin.At.Sub(o.asked)
	if code != 2 || fin.Str("state") != "expired" || fin.Str("error_code") != "expired" {
		t.Fatalf("sender: exit %d, final %v\n%s", code, fin, o.tx.Stderr())
	}
	if took < 2*time.Minute-2*time.Second || took > 2*time.Minute+10*time.Second {
		t.Fatalf("the offer ended after %v, want 2 minutes", took)
	}
	re := o.rx.Next(30*time.Second, "the receiver's end", testproc.Event.Final)
	if re.Str("state") != "expired" || re.Str("error_code") != "offer-expired" {
		t.Fatalf("receiver final %v", re)
	}
	for side, msg := range map[string]string{"sender": fin.Str("error"), "receiver": re.Str("error")} {
		want := "Sari-PC didn't answer within 2 minutes"
		if side == "receiver" {
			want = "You didn't answer the offer from Budi within 2 minutes"
		}
		if !strings.Contains(msg, want) || strings.Contains(msg, "cancel") || strings.Contains(msg, "connection") {
			t.Errorf("%s says %q, want %q", side, msg, want)
		}
	}
	if _, err := o.answer.WriteString("y\n"); err != nil {
		t.Fatal(err)
	}
	o.rx.None(2*time.Second, "an event after the late answer", func(e testproc.Event) bool { return e.Str("event") == "transfer" })
	if _, err := os.Stat(o.dlDir); !os.IsNotExist(err) {
		t.Fatalf("an expired offer touched the download folder (%v)", err)
	}
}
