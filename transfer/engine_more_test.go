package transfer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/testproc"
	"github.com/lempar/lempar/savedir"
)

func TestDeclineCreatesNothing(t *testing.T) {
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer { return Answer{} }))
	src := filepath.Join(t.TempDir(), "a.txt")
	writeFile(t, src, []byte("hello"))
	ev, err := send(t, rx, src)
	if !IsCode(err, errcode.Declined) || ev.State != StateDeclined {
		t.Fatalf("want declined, got %v / %v", err, ev.State)
	}
	if re := rx.waitFinal(t); re.State != StateDeclined {
		t.Fatalf("receiver state %v", re.State)
	}
	if _, err := os.Stat(rx.dir); !os.IsNotExist(err) {
		t.Fatalf("download folder was touched: %v", err)
	}
}

func TestTextItem(t *testing.T) {
	var offered *Offer
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		offered = r.Offer
		return Answer{Accept: true}
	}))
	id, _ := NewEphemeralIdentity()
	txt, err := TextSource("Halo, Sari! 👋\nPassword Wi-Fi: kopi123")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Send(context.Background(), id, SendOptions{Addr: rx.addr, PeerID: rx.id.ID}, []Source{txt}); err != nil {
		t.Fatal(err)
	}
	re := rx.waitFinal(t)
	if re.State != StateDone || len(re.Texts) != 1 || re.Texts[0] != txt.Text {
		t.Fatalf("receiver got %+v", re)
	}
	if offered.Items[0].Text != txt.Text {
		t.Fatal("text not previewable in the offer")
	}
	if _, err := os.Stat(rx.dir); err != nil {
		t.Fatalf("accepting should create the download folder: %v", err)
	}
}

func TestPinMismatchRefused(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	other, _ := NewEphemeralIdentity()
	src := filepath.Join(t.TempDir(), "a.txt")
	writeFile(t, src, []byte("hello"))
	id, _ := NewEphemeralIdentity()
	srcs, _ := CollectSources([]string{src})
	_, err := Send(context.Background(), id, SendOptions{Addr: rx.addr, PeerID: other.ID, PeerName: "Sari-PC"}, srcs)
	if !IsCode(err, errcode.PINMismatch) {
		t.Fatalf("want pin-mismatch, got %v", err)
	}
	if !strings.Contains(err.Error(), "not the device you think") {
		t.Fatalf("message should say what happened: %v", err)
	}
	if _, err := os.Stat(rx.dir); !os.IsNotExist(err) {
		t.Fatal("nothing may be written after a pin mismatch")
	}
}

func TestUnreachableMessage(t *testing.T) {
	id, _ := NewEphemeralIdentity()
	txt, _ := TextSource("x")
	// A port nobody listens on: listen, note it, close.
	rx := startReceiver(t, acceptAll)
	addr := rx.addr
	_, err := Send(context.Background(), id, SendOptions{Addr: "127.0.0.1:1", PeerName: "Budi's laptop"}, []Source{txt})
	if !IsCode(err, errcode.Unreachable) || !strings.Contains(err.Error(), "Budi's laptop at 127.0.0.1:1") {
		t.Fatalf("got %v", err)
	}
	_ = addr
}

// partialGrown: see testproc.Grown.
func partialGrown(t *testing.T, dir string, n int64) <-chan struct{} {
	return testproc.Grown(t, filepath.Join(dir, savedir.PartialDir, "*"+savedir.PartialSuffix), n)
}

func TestCancelFromReceiverStopsBoth(t *testing.T) {
	var rxNode *testNode
	started := make(chan string, 1)
	rxNode = startReceiver(t, acceptAll)
	rxNode.srv.OnEvent = func(e Event) {
		if e.State == StateSending {
			select {
			case started <- e.Session:
			default:
			}
		}
		if e.State.Final() {
			rxNode.final <- e
		}
	}
	src := filepath.Join(t.TempDir(), "big.bin")
	writeFile(t, src, randBytes(64<<20))
	grown := partialGrown(t, rxNode.dir, 4*ChunkSize)
	go func() {
		s := <-started
		<-grown
		rxNode.srv.Cancel(s)
	}()
	begin := time.Now()
	ev, err := send(t, rxNode, src)
	if ev.State != StateCancelled || !IsCode(err, errcode.PeerCancelled) {
		t.Fatalf("sender: %v %v", ev.State, err)
	}
	if re := rxNode.waitFinal(t); re.State != StateCancelled {
		t.Fatalf("receiver: %v %v", re.State, re.Err)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
	// The partial is kept for resume, never renamed into place.
	if _, err := os.Stat(filepath.Join(rxNode.dir, "big.bin")); !os.IsNotExist(err) {
		t.Fatal("a cancelled file was renamed into place")
	}
}

func TestCancelFromSenderWithinASecond(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	src := filepath.Join(t.TempDir(), "big.bin")
	writeFile(t, src, randBytes(64<<20))
	id, _ := NewEphemeralIdentity()
	srcs, _ := CollectSources([]string{src})
	ctx, cancel := context.WithCancel(context.Background())
	grown := partialGrown(t, rx.dir, 4*ChunkSize)
	cancelledAt := make(chan time.Time, 1)
	go func() {
		<-grown
		cancelledAt <- time.Now()
		cancel()
	}()
	ev, err := Send(ctx, id, SendOptions{Addr: rx.addr}, srcs)
	if ev.State != StateCancelled || !IsCode(err, errcode.Cancelled) {
		t.Fatalf("sender: %v %v", ev.State, err)
	}
	re := rx.waitFinal(t)
	if re.State != StateCancelled {
		t.Fatalf("receiver: %v %v", re.State, re.Err)
	}
	if d := time.Since(<-cancelledAt); d > time.Second {
		t.Fatalf("receiver learned of the cancel after %v", d)
	}
}

func TestResumeAfterCut(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	data := randBytes(40 << 20)
	src := filepath.Join(t.TempDir(), "film.mkv")
	writeFile(t, src, data)
	id, _ := NewEphemeralIdentity()
	srcs, _ := CollectSources([]string{src})
	// The link stops dead at half (a relay that stops forwarding, so it
	// does not depend on how fast this machine is), then goes away.
	relay := newCutter(t, rx.addr)
	relay.pauseAfter = int64(len(data) / 2)
	go func() {
		<-relay.paused
		relay.cut()
	}()
	if _, err := Send(context.Background(), id, SendOptions{Addr: relay.ln.Addr().String()}, srcs); err == nil {
		t.Fatal("first send should have been cut")
	}
	ev, err := Send(context.Background(), id, SendOptions{Addr: rx.addr}, srcs)
	if err != nil {
		t.Fatal(err)
	}
	rx.waitFinal(t)
	if rest := int64(len(data)) - relay.pauseAfter; ev.Sent > rest+inFlightSlack || ev.Sent < rest {
		t.Fatalf("resumed send moved %d of %d bytes; %d were missing", ev.Sent, len(data), rest)
	}
	got, err := os.ReadFile(filepath.Join(rx.dir, "film.mkv"))
	if err != nil || string(got) != string(data) {
		t.Fatal("resumed file differs")
	}
	left, _ := filepath.Glob(filepath.Join(rx.dir, savedir.PartialDir, "*"+savedir.PartialSuffix))
	if len(left) != 0 {
		t.Fatalf("partials left behind: %v", left)
	}
}

func TestResumeWithChangedPrefixRestarts(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	data := randBytes(3 * ChunkSize)
	src := filepath.Join(t.TempDir(), "doc.bin")
	writeFile(t, src, data)
	id, _ := NewEphemeralIdentity()
	srcs, _ := CollectSources([]string{src})
	// Plant a partial with the right name but wrong content, as a crash
	// after a disk error might leave.
	pname := savedir.PartialName(id.ID, srcs[0].Item.Path, srcs[0].Item.Size, srcs[0].Item.MTime)
	writeFile(t, filepath.Join(rx.dir, pname), randBytes(ChunkSize))
	ev, err := Send(context.Background(), id, SendOptions{Addr: rx.addr}, srcs)
	if err != nil {
		t.Fatal(err)
	}
	rx.waitFinal(t)
	if ev.Sent != int64(len(data)) {
		t.Fatalf("a wrong prefix must restart from zero: sent %d of %d", ev.Sent, len(data))
	}
	got, _ := os.ReadFile(filepath.Join(rx.dir, "doc.bin"))
	if string(got) != string(data) {
		t.Fatal("file differs after restart")
	}
}

func TestOfferExpires(t *testing.T) {
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		<-ctx.Done()
		return Answer{Accept: true} // too late: must be ignored
	}))
	rx.srv.OfferTimeout = 300 * time.Millisecond
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

func TestProgressEventsEndWithFinal(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	src := filepath.Join(t.TempDir(), "a.bin")
	writeFile(t, src, randBytes(8<<20))
	id, _ := NewEphemeralIdentity()
	srcs, _ := CollectSources([]string{src})
	var evs []Event
	_, err := Send(context.Background(), id, SendOptions{Addr: rx.addr, OnEvent: func(e Event) { evs = append(evs, e) }}, srcs)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.State != StateDone || last.Done != last.Total || last.FilesDone != 1 {
		t.Fatalf("last event %+v", last)
	}
	for _, e := range evs[:len(evs)-1] {
		if e.State.Final() {
			t.Fatal("a final event before the last one")
		}
	}
}

func TestProbeReadsHello(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	id, _ := NewEphemeralIdentity()
	p, err := Probe(context.Background(), id, rx.addr, "", Hello{Name: "Budi"})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != rx.id.ID || p.Name != "Sari-PC" {
		t.Fatalf("probe got %+v", p)
	}
	if _, err := os.Stat(rx.dir); !os.IsNotExist(err) {
		t.Fatal("a probe must not touch the download folder")
	}
}

func TestReadOnlyFolderRefusedBeforeAsking(t *testing.T) {
	var asked atomic.Bool
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer { asked.Store(true); return Answer{Accept: true} }))
	makeReadOnly(t, rx.dir)
	src := filepath.Join(t.TempDir(), "a.txt")
	writeFile(t, src, []byte("x"))
	_, err := send(t, rx, src)
	if !IsCode(err, errcode.RemoteDiskReadOnly) || asked.Load() {
		t.Fatalf("got %v (asked=%v)", err, asked.Load())
	}
	if ents, _ := os.ReadDir(rx.dir); len(ents) != 0 {
		t.Fatalf("read-only folder has %d entries", len(ents))
	}
}
