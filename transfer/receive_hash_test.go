package transfer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lempar/lempar/savedir"
)

// TestLargeFileRestartHashedAside: a large file (hashed beside the writer)
// whose planted partial has the wrong prefix starts over from zero, and its
// hash starts over with it: the file is saved and verified.
func TestLargeFileRestartHashedAside(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	data := randBytes(6 * ChunkSize)
	src := filepath.Join(t.TempDir(), "video.bin")
	writeFile(t, src, data)
	id, _ := NewEphemeralIdentity()
	srcs, _ := CollectSources([]string{src})
	if !hashAsync(&rxFile{item: srcs[0].Item}) {
		t.Fatalf("a %d-byte file should be hashed aside", len(data))
	}
	pname := savedir.PartialName(id.ID, srcs[0].Item.Path, srcs[0].Item.Size, srcs[0].Item.MTime)
	writeFile(t, filepath.Join(rx.dir, pname), randBytes(2*ChunkSize))
	ev, err := Send(context.Background(), id, SendOptions{Addr: rx.addr}, srcs)
	if err != nil {
		t.Fatal(err)
	}
	rx.waitFinal(t)
	if ev.Sent != int64(len(data)) {
		t.Fatalf("a wrong prefix must restart from zero: sent %d of %d", ev.Sent, len(data))
	}
	got, _ := os.ReadFile(filepath.Join(rx.dir, "video.bin"))
	if string(got) != string(data) {
		t.Fatal("file differs after restart")
	}
}

// TestMixedSizesHashed: small files (hashed inline) and large ones (hashed
// aside) in one session, back to back, all verified.
func TestMixedSizesHashed(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	dir := t.TempDir()
	sizes := []int{0, 100, syncThreshold - 1, syncThreshold, 3*ChunkSize + 7, 5, 4 << 20}
	want := map[string][]byte{}
	for i, n := range sizes {
		name := filepath.Join("set", string(rune('a'+i))+".bin")
		want[name] = randBytes(n)
		writeFile(t, filepath.Join(dir, name), want[name])
	}
	if _, err := send(t, rx, filepath.Join(dir, "set")); err != nil {
		t.Fatal(err)
	}
	if e := rx.waitFinal(t); e.State != StateDone || e.FilesDone != len(sizes) {
		t.Fatalf("receiver ended %s with %d of %d files: %v", e.State, e.FilesDone, len(sizes), e.Err)
	}
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(rx.dir, name))
		if err != nil || string(got) != string(b) {
			t.Fatalf("%s differs (%v)", name, err)
		}
	}
}
