package transfer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/savedir"
)

// TestPlantedPartialSymlinkNotWrittenThrough: a partial of the right name
// planted as a symlink to another file (so the resume path, with an offset,
// would open it) is refused; the file it points to is untouched.
func TestPlantedPartialSymlinkNotWrittenThrough(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	sender, _ := NewEphemeralIdentity()
	src := filepath.Join(t.TempDir(), "report.pdf")
	data := randBytes(256 << 10)
	writeFile(t, src, data)
	st, _ := os.Stat(src)

	victim := filepath.Join(rx.dir, "important.doc")
	orig := []byte("the person's own file, not to be touched")
	writeFile(t, victim, orig)
	pname := savedir.PartialName(sender.ID, "report.pdf", st.Size(), st.ModTime().UnixNano())
	if err := os.MkdirAll(filepath.Join(rx.dir, filepath.Dir(pname)), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(rx.dir, pname)); err != nil {
		t.Fatal(err)
	}

	srcs, _ := CollectSources([]string{src})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := Send(ctx, sender, SendOptions{Addr: rx.addr, PeerID: rx.id.ID, Hello: Hello{Name: "Budi"}}, srcs)
	if err == nil {
		t.Fatal("the send succeeded through a planted symlink")
	}
	if got, _ := os.ReadFile(victim); string(got) != string(orig) {
		t.Fatalf("the symlink's target was written: %q", got[:min(len(got), 40)])
	}
	if fi, err := os.Lstat(filepath.Join(rx.dir, pname)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the planted link changed: %v", err)
	}
	t.Logf("refused with: %v", err)
}

// TestConcurrentOffersOnANearlyFullDisk: two offers that each fit in the
// free space, but not together, are accepted at once; the second is
// refused for want of space instead of both filling the disk.
func TestConcurrentOffersOnANearlyFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "lempar-test", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })

	both := make(chan struct{})
	arrived := make(chan struct{}, 2)
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		arrived <- struct{}{}
		<-both // both offers are asked before either is answered
		return Answer{Accept: true}
	}))
	rx.dir = filepath.Join(dir, "Downloads")
	go func() { <-arrived; <-arrived; close(both) }()

	type result struct{ err error }
	res := make(chan result, 2)
	for i := range 2 {
		src := filepath.Join(t.TempDir(), "big"+string(rune('a'+i))+".bin")
		writeFile(t, src, randBytes(30<<20))
		go func() {
			id, _ := NewEphemeralIdentity()
			srcs, _ := CollectSources([]string{src})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := Send(ctx, id, SendOptions{Addr: rx.addr, PeerID: rx.id.ID, Hello: Hello{Name: "Budi"}}, srcs)
			res <- result{err}
		}()
	}
	var ok, noSpace int
	for range 2 {
		r := <-res
		switch {
		case r.err == nil:
			ok++
		case IsCode(r.err, errcode.RemoteNoSpace), IsCode(r.err, errcode.NoSpacePeer):
			noSpace++
		default:
			t.Errorf("unexpected end: %v", r.err)
		}
	}
	t.Logf("FIGURE two 30 MiB offers on a 64 MiB disk: %d delivered, %d refused for space", ok, noSpace)
	if ok != 1 || noSpace != 1 {
		t.Fatalf("want one delivered and one refused for space; got %d and %d", ok, noSpace)
	}
}
