package localsend

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// keepTops answers with only the top-level items named in keep ticked, as
// the offer dialog does.
func keepTops(keep ...string) func(*transfer.Request) transfer.Answer {
	return func(r *transfer.Request) transfer.Answer {
		choice := make([]bool, len(r.Offer.Items))
		for i, it := range r.Offer.Items {
			top, _, _ := strings.Cut(it.Path, "/")
			choice[i] = slices.Contains(keep, top)
		}
		return transfer.Answer{Accept: true, Items: choice}
	}
}

func partialSources(t *testing.T) ([]transfer.Source, map[string][]byte) {
	src := t.TempDir()
	all := map[string][]byte{
		"a.bin":                randBytes(t, 1<<20+3),
		"skip.txt":             []byte("not wanted"),
		"Foto/pantai.jpg":      randBytes(t, 90_000),
		"Foto/dalam/x.bin":     randBytes(t, 10),
		"Video/besar.mp4":      randBytes(t, 2<<20),
		"Video/kecil/lagi.mp4": randBytes(t, 1000),
	}
	tree(t, src, all)
	srcs, err := transfer.CollectSources([]string{filepath.Join(src, "a.bin"), filepath.Join(src, "skip.txt"), filepath.Join(src, "Foto"), filepath.Join(src, "Video")})
	if err != nil {
		t.Fatal(err)
	}
	return srcs, all
}

// The person keeps a file and a folder of four items: the prepare-upload
// answer has tokens for those files only, the sender (Lempar's LocalSend
// sender, which uploads what has a token) sends only them, and both rows
// count the rest as skipped.
func TestPartialAcceptLocalSend(t *testing.T) {
	r := startRx(t, keepTops("a.bin", "Foto"), nil)
	srcs, all := partialSources(t)
	ev, err := Send(context.Background(), sendOpts(t, r.device(), newEvents()), srcs)
	if err != nil || ev.State != transfer.StateDone {
		t.Fatalf("send: %v %v", ev.State, err)
	}
	want := map[string][]byte{"a.bin": all["a.bin"], "Foto/pantai.jpg": all["Foto/pantai.jpg"], "Foto/dalam/x.bin": all["Foto/dalam/x.bin"]}
	var wantTotal int64
	for _, b := range want {
		wantTotal += int64(len(b))
	}
	got := r.ev.wait(t)
	for side, e := range map[string]transfer.Event{"sender": ev, "receiver": got} {
		if e.State != transfer.StateDone || e.Files != 3 || e.FilesDone != 3 || e.Skipped != 3 || e.Total != wantTotal || e.Done != wantTotal {
			t.Errorf("%s: %v files %d/%d skipped %d bytes %d/%d; want done, 3/3, 3, %d", side, e.State, e.FilesDone, e.Files, e.Skipped, e.Done, e.Total, wantTotal)
		}
		if names := slices.Sorted(slices.Values(e.SkippedItems)); !slices.Equal(names, []string{"Video", "skip.txt"}) {
			t.Errorf("%s: skipped items %q", side, e.SkippedItems)
		}
	}
	sameTree(t, contents(t, r.dir), want)
}

// The answer to a raw prepare-upload lists only the kept file's token, and
// an upload of an unticked file (no token, or the kept one's) is refused.
func TestPartialAcceptTokensOnlyForKept(t *testing.T) {
	r := startRx(t, keepTops("keep.bin"), nil)
	c := rawClient(t, r, "")
	st, resp := c.prepare(map[string]FileMeta{
		"1": {ID: "1", FileName: "keep.bin", Size: 3},
		"2": {ID: "2", FileName: "no.bin", Size: 3},
		"3": {ID: "3", FileName: "Folder/no.bin", Size: 3},
	})
	if st != http.StatusOK || len(resp.Files) != 1 || resp.Files["1"] == "" {
		t.Fatalf("prepare-upload: %d %v, want only file 1's token", st, resp.Files)
	}
	if st := c.upload(resp, "2", bytes.NewReader([]byte("bad")), nil); st/100 != 4 {
		t.Fatalf("upload of an unticked file without a token: %d", st)
	}
	st, _ = c.do("POST", apiV2+"upload", map[string][]string{"sessionId": {resp.SessionID}, "fileId": {"3"}, "token": {resp.Files["1"]}}, bytes.NewReader([]byte("bad")), nil)
	if st != http.StatusForbidden {
		t.Fatalf("upload of an unticked file with the kept file's token: %d", st)
	}
	if st := c.upload(resp, "1", bytes.NewReader([]byte("yes")), nil); st != http.StatusOK {
		t.Fatalf("upload of the kept file: %d", st)
	}
	got := r.ev.wait(t)
	if got.State != transfer.StateDone || got.Skipped != 2 || got.Files != 1 {
		t.Fatalf("receiver: %v skipped %d files %d", got.State, got.Skipped, got.Files)
	}
	sameTree(t, contents(t, r.dir), map[string][]byte{"keep.bin": []byte("yes")})
}

// A partial choice made near the offer's limit is kept; one made after it
// expires nothing is saved and the sender hears no.
func TestPartialChoiceSlowAndNoAnswerLocalSend(t *testing.T) {
	t.Parallel()
	const limit = 2 * time.Second
	var late atomic.Bool
	r := startRx(t, nil, func(c *Config) { c.OfferTimeout = limit })
	r.answer = func(req *transfer.Request) transfer.Answer {
		wait := time.Until(req.Expires) - 500*time.Millisecond // near the limit
		if late.Load() {
			wait = time.Until(req.Expires) + time.Second // nobody was there
		}
		time.Sleep(wait)
		return keepTops("a.bin")(req)
	}
	srcs, all := partialSources(t)
	ev, err := Send(context.Background(), sendOpts(t, r.device(), newEvents()), srcs)
	if err != nil || ev.Skipped != 5 || ev.Files != 1 {
		t.Fatalf("slow answer: %v %v skipped %d files %d", ev.State, err, ev.Skipped, ev.Files)
	}
	r.ev.wait(t)
	sameTree(t, contents(t, r.dir), map[string][]byte{"a.bin": all["a.bin"]})
	late.Store(true)
	ev, err = Send(context.Background(), sendOpts(t, r.device(), newEvents()), srcs)
	if ev.State != transfer.StateDeclined || err == nil {
		t.Fatalf("no answer: %v %v", ev.State, err)
	}
	if got := r.ev.wait(t); !transfer.IsCode(got.Err, errcode.OfferExpired) {
		t.Fatalf("receiver after no answer: %v", got.Err)
	}
	sameTree(t, contents(t, r.dir), map[string][]byte{"a.bin": all["a.bin"]})
}
