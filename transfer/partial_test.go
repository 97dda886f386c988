package transfer

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/savedir"
)

// keepTops answers with the top-level items named in keep ticked, the rest
// unticked, as the offer dialog does.
func keepTops(r *Request, keep ...string) []bool {
	choice := make([]bool, len(r.Offer.Items))
	for i, it := range r.Offer.Items {
		top, _, _ := strings.Cut(it.Path, "/")
		choice[i] = slices.Contains(keep, top)
	}
	return choice
}

// partialTree is four top-level items: two files, a folder with a
// subfolder, and one more file.
func partialTree(t *testing.T) (paths []string, data map[string][]byte) {
	src := t.TempDir()
	data = map[string][]byte{
		"a.txt":               []byte("skip me"),
		"b.bin":               randBytes(2*ChunkSize + 17),
		"Fotos/x.jpg":         randBytes(70_000),
		"Fotos/sub/y.jpg":     randBytes(1234),
		"zzz big skipped.iso": randBytes(3 * ChunkSize),
	}
	for p, b := range data {
		writeFile(t, filepath.Join(src, filepath.FromSlash(p)), b)
	}
	return []string{filepath.Join(src, "a.txt"), filepath.Join(src, "b.bin"), filepath.Join(src, "Fotos"), filepath.Join(src, "zzz big skipped.iso")}, data
}

// Two of four items accepted, one a folder: only those reach the disk, and
// both sides' events say the other two were skipped.
func TestPartialAcceptSendsOnlyChosen(t *testing.T) {
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		return Answer{Accept: true, Items: keepTops(r, "b.bin", "Fotos")}
	}))
	paths, data := partialTree(t)
	ev, err := send(t, rx, paths...)
	if err != nil || ev.State != StateDone {
		t.Fatalf("send: %v %v", ev.State, err)
	}
	re := rx.waitFinal(t)
	if re.State != StateDone {
		t.Fatalf("receiver: %v %v", re.State, re.Err)
	}
	wantTotal := int64(len(data["b.bin"]) + len(data["Fotos/x.jpg"]) + len(data["Fotos/sub/y.jpg"]))
	for side, e := range map[string]Event{"sender": ev, "receiver": re} {
		if e.Files != 3 || e.Skipped != 2 || e.Total != wantTotal || e.Done != wantTotal {
			t.Errorf("%s: files %d skipped %d total %d done %d; want 3, 2, %d, %d", side, e.Files, e.Skipped, e.Total, e.Done, wantTotal, wantTotal)
		}
		if !slices.Equal(e.SkippedItems, []string{"a.txt", "zzz big skipped.iso"}) {
			t.Errorf("%s: skipped items %q", side, e.SkippedItems)
		}
	}
	if ev.FilesDone != 3 {
		t.Errorf("sender: %d files done, want 3", ev.FilesDone)
	}
	if ev.Sent > wantTotal+wantTotal/10 {
		t.Errorf("sender put %d bytes on the wire for %d accepted", ev.Sent, wantTotal)
	}
	for p, b := range data {
		got, err := os.ReadFile(filepath.Join(rx.dir, filepath.FromSlash(p)))
		kept := p == "b.bin" || strings.HasPrefix(p, "Fotos/")
		switch {
		case kept && (err != nil || !bytes.Equal(got, b)):
			t.Errorf("%s: accepted but not delivered intact (%v)", p, err)
		case !kept && !os.IsNotExist(err):
			t.Errorf("%s: skipped but on disk (%v)", p, err)
		}
	}
	if ents := visibleEntries(rx.dir); len(ents) != 2 {
		t.Errorf("download folder holds %v, want b.bin and Fotos", ents)
	}
	if parts, _ := filepath.Glob(filepath.Join(rx.dir, savedir.PartialDir, "*"+savedir.PartialSuffix)); len(parts) != 0 {
		t.Errorf("partials left: %v", parts)
	}
}

// A skipped folder skips what is inside it, even if the choice ticked a
// file in it: no file is written into a folder that was never made.
func TestKeptSkippedFolderTakesItsFiles(t *testing.T) {
	o := &Offer{Items: []Item{
		{Path: "A", Kind: KindDir}, {Path: "A/x", Kind: KindFile}, {Path: "A/B", Kind: KindDir},
		{Path: "A/B/y", Kind: KindFile}, {Path: "AB", Kind: KindFile}, {Kind: KindText, Text: "t", Size: 1},
	}}
	got := Kept(o, []bool{true, true, false, true, true, true})
	if want := []bool{true, true, false, false, true, true}; !slices.Equal(got, want) {
		t.Fatalf("Kept = %v, want %v", got, want)
	}
	if got := Kept(o, []bool{true}); slices.Contains(got, true) {
		t.Fatalf("a choice of the wrong length kept %v", got)
	}
	if keepsAny(make([]bool, 6), 6) || !keepsAny(nil, 6) {
		t.Fatal("keepsAny")
	}
}

// A choice that keeps nothing is a decline, not an empty session.
func TestPartialAcceptOfNothingDeclines(t *testing.T) {
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		return Answer{Accept: true, Items: make([]bool, len(r.Offer.Items))}
	}))
	paths, _ := partialTree(t)
	ev, err := send(t, rx, paths...)
	if !IsCode(err, errcode.Declined) || ev.State != StateDeclined {
		t.Fatalf("sender: %v %v", ev.State, err)
	}
	if _, err := os.Stat(rx.dir); !os.IsNotExist(err) {
		t.Fatal("download folder touched for a choice of nothing")
	}
}

// A sender that streams an item the receiver declined is refused: the
// session fails as a protocol error and nothing of that item is saved.
func TestDataForDeclinedItemRefused(t *testing.T) {
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		return Answer{Accept: true, Items: []bool{false, true}}
	}))
	p := dialRaw(t, rx)
	body := []byte("unwanted")
	if err := p.ss.fw.control(FrameOffer, offerOf(
		Item{Path: "no.bin", Kind: KindFile, Size: int64(len(body))},
		Item{Path: "yes.bin", Kind: KindFile, Size: 3},
	)); err != nil {
		t.Fatal(err)
	}
	b, err := p.until(FrameDecision)
	if err != nil {
		t.Fatal(err)
	}
	var d Decision
	if json.Unmarshal(b, &d) != nil || !d.Accept || len(d.Items) != 2 || d.Items[0].Accept || !d.Items[1].Accept {
		t.Fatalf("decision %s, want item 0 declined and item 1 accepted", b)
	}
	_ = p.ss.fw.data(0, 0, body)
	_ = p.ss.fw.control(FrameFileDone, FileDone{Item: 0, Digest: hashHex(body)})
	re := rx.waitFinal(t)
	if re.State != StateFailed || !IsCode(re.Err, errcode.Protocol) {
		t.Fatalf("receiver: %v %v", re.State, re.Err)
	}
	assertNoFinalFile(t, rx, "no.bin")
	if parts, _ := filepath.Glob(filepath.Join(rx.dir, ".lempar-partial", "no.bin*")); len(parts) != 0 {
		t.Fatalf("a partial of the declined item exists: %v", parts)
	}
}

// A partial choice made just before the offer expires still counts, and
// one made after it does not: the sender hears "didn't answer in time" and
// nothing is saved.
func TestPartialChoiceSlowAndNoAnswer(t *testing.T) {
	const limit = 3 * time.Second
	var late atomic.Bool
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		wait := time.Until(r.Expires) - 700*time.Millisecond // near the limit
		if late.Load() {
			<-ctx.Done() // nobody answers; the dialog's answer comes too late
		} else {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		return Answer{Accept: true, Items: keepTops(r, "b.bin")}
	}), func(s *Server) { s.OfferTimeout = limit })
	paths, data := partialTree(t)
	ev, err := send(t, rx, paths...)
	if err != nil || ev.Skipped != 4 || ev.Files != 1 { // a.txt, the two photos, the iso
		t.Fatalf("slow answer: %v %v, skipped %d files %d", ev.State, err, ev.Skipped, ev.Files)
	}
	rx.waitFinal(t)
	if got, _ := os.ReadFile(filepath.Join(rx.dir, "b.bin")); !bytes.Equal(got, data["b.bin"]) {
		t.Fatal("b.bin not delivered after a slow answer")
	}
	if ents := visibleEntries(rx.dir); len(ents) != 1 {
		t.Fatalf("after a slow partial answer the folder holds %v", ents)
	}
	late.Store(true)
	ev, err = send(t, rx, paths...)
	if !IsCode(err, errcode.Expired) || ev.State != StateDeclined {
		t.Fatalf("no answer: %v %v", ev.State, err)
	}
	if re := rx.waitFinal(t); !IsCode(re.Err, errcode.OfferExpired) {
		t.Fatalf("receiver after no answer: %v", re.Err)
	}
	if ents := visibleEntries(rx.dir); len(ents) != 1 {
		t.Fatalf("after no answer the folder holds %v", ents)
	}
}

// A partial accept survives a dropped link: the resumed session keeps the
// person's choice (they are not asked again), so the skipped file is
// neither sent after the drop nor saved.
func TestPartialChoiceKeptAcrossResume(t *testing.T) {
	var asked atomic.Int32
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		asked.Add(1)
		return Answer{Accept: true, Items: keepTops(r, "video.mp4")}
	}))
	relay := newCutter(t, rx.addr)
	video := randBytes(24 << 20)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "video.mp4"), video)
	writeFile(t, filepath.Join(src, "skip.bin"), randBytes(4<<20))
	relay.pauseAfter = int64(len(video) / 2)
	go func() {
		<-relay.paused
		relay.cut()
	}()
	id, _ := NewEphemeralIdentity()
	srcs, _ := CollectSources([]string{filepath.Join(src, "video.mp4"), filepath.Join(src, "skip.bin")})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var retried atomic.Bool
	ev, err := Send(ctx, id, SendOptions{Addr: relay.ln.Addr().String(), RetryFor: DefaultRetryFor, OnEvent: func(e Event) {
		if e.State == StateRetrying {
			retried.Store(true)
		}
	}}, srcs)
	if err != nil || ev.State != StateDone || !retried.Load() {
		t.Fatalf("send: %v %v (retried %v)", ev.State, err, retried.Load())
	}
	if ev.Skipped != 1 || ev.Files != 1 || ev.Total != int64(len(video)) {
		t.Errorf("after the resume the sender counts files %d skipped %d total %d", ev.Files, ev.Skipped, ev.Total)
	}
	if re := rx.waitFinal(t); re.State != StateDone || re.Skipped != 1 {
		t.Fatalf("receiver: %v %v skipped %d", re.State, re.Err, re.Skipped)
	}
	if n := asked.Load(); n != 1 {
		t.Fatalf("the person was asked %d times", n)
	}
	if got, _ := os.ReadFile(filepath.Join(rx.dir, "video.mp4")); !bytes.Equal(got, video) {
		t.Fatal("video.mp4 differs after the resume")
	}
	if ents := visibleEntries(rx.dir); len(ents) != 1 {
		t.Fatalf("download folder holds %v, want only video.mp4", ents)
	}
}
