package lan

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// TestDownloadFolderFills puts the download folder on a small tmpfs: an
// offer that can't fit is refused before anything is written; a disk that
// fills up mid-transfer (another program writes) stops the transfer with
// a clear error on both sides, keeps the partial file and renames nothing
// into place; once space is freed, sending again resumes and completes.
func TestDownloadFolderFills(t *testing.T) {
	requireSuite(t)
	const fsSize = 128 << 20
	const size = 48 << 20
	tmp := t.TempDir()
	dl := filepath.Join(tmp, "dl")
	mountTmpfs(t, dl, fsSize)
	l := netns.New(t, 2)
	const tx, rxHost = 0, 1
	// Slow enough (12.5 MB/s) that the disk can fill while bytes flow.
	shapeHost(t, l, tx, "100mbit")

	src := filepath.Join(tmp, "src", "photos.tar")
	sum := writeData(t, src, size, 3)
	rx := startReceiver(t, l, rxHost, dl, nil, "--yes")
	cfg := filepath.Join(tmp, "tx")
	final := filepath.Join(dl, "photos.tar")

	// 1. Not enough room from the start: refused before accepting.
	filler := filepath.Join(dl, "other-program.dat")
	fillUntil(t, filler, size) // leaves the file's size free: less than it + the slack kept
	from := len(rx.Events())
	p := startSend(t, l, tx, cfg, rx.addr, src)
	if code := p.Exit(time.Minute); code != 2 {
		t.Fatalf("offer to a full disk: sender exit %d, want 2 (declined): %s", code, p.Stderr())
	}
	sfin, _ := p.LastFinal()
	_, rfin := rx.WaitFrom(from, 30*time.Second, "receiver final", testproc.Event.Final)
	t.Logf("refused before accepting: sender %q / receiver %q", sfin.Str("error"), rfin.Str("error"))
	if sfin.Str("error_code") != "no-space-peer" || rfin.Str("error_code") != "no-space" {
		t.Fatalf("want no-space-peer / no-space, got sender %v, receiver %v", sfin, rfin)
	}
	if !strings.Contains(rfin.Str("error"), "free") {
		t.Errorf("receiver's message doesn't say what is free: %q", rfin.Str("error"))
	}
	if ps := partials(dl); len(ps) != 0 {
		t.Fatalf("a refused offer wrote %v", ps)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}

	// 2. The disk fills while the transfer runs.
	from = len(rx.Events())
	p = startSend(t, l, tx, cfg, rx.addr, src)
	rx.WaitFrom(from, time.Minute, "12 MiB received", func(e testproc.Event) bool {
		return e.Str("event") == "transfer" && e.Num("done") >= 12<<20
	})
	fillUntil(t, filler, 0)
	code := p.Exit(time.Minute)
	sfin, _ = p.LastFinal()
	_, rfin = rx.WaitFrom(from, 30*time.Second, "receiver final", testproc.Event.Final)
	t.Logf("disk full mid-transfer: sender exit %d %q / receiver %q", code, sfin.Str("error"), rfin.Str("error"))
	if code != 1 || sfin.Str("error_code") != "remote-disk-full" {
		t.Errorf("sender: exit %d, final %v; want exit 1, remote-disk-full", code, sfin)
	}
	if rfin.Str("state") != "failed" || rfin.Str("error_code") != "disk-full" {
		t.Errorf("receiver final %v; want failed, disk-full", rfin)
	}
	if _, err := os.Stat(final); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file was renamed into place although the disk filled up: %v", err)
	}
	ps := partials(dl)
	if len(ps) != 1 {
		t.Fatalf("want the one partial kept for resume, have %v", ps)
	}
	st, err := os.Stat(ps[0])
	if err != nil || st.Size() < 12<<20 {
		t.Fatalf("partial kept: %v, %v; want ≥ 12 MiB", st, err)
	}
	kept := st.Size()

	// 3. Room freed for the rest (plus the receiver's 16 MiB headroom) but
	// not for the whole file: the rest is all a resume needs.
	t.Run("resume needs room for the rest only", func(t *testing.T) {
		st, err := os.Stat(filler)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(filler, st.Size()-(size-kept)-20<<20); err != nil {
			t.Fatal(err)
		}
		from := len(rx.Events())
		p := startSend(t, l, tx, cfg, rx.addr, src)
		code := p.Exit(time.Minute)
		fin, _ := p.LastFinal()
		_, rfin := rx.WaitFrom(from, 30*time.Second, "receiver final", testproc.Event.Final)
		if code != 0 || rfin.Str("state") != "done" {
			if len(partials(dl)) != 1 {
				t.Fatalf("the partial is gone after a refused resume: %v", partials(dl))
			}
			t.Errorf("with %.1f MiB kept and %.1f MiB + 20 MiB free, sending again was refused: sender exit %d %q; receiver %q",
				mib(kept), mib(size-kept), code, fin.Str("error_code"), rfin.Str("error"))
			return
		}
		if h := fileHash(final); h != sum {
			t.Fatalf("file differs after resuming (sha256 %q, want %s)", h, sum)
		}
		kept = size // done: nothing left to resume below
	})

	// 4. Plenty of room: it resumes (if 3 didn't finish it) and completes.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if kept == size {
		if ps := partials(dl); len(ps) != 0 {
			t.Errorf("partials left: %v", ps)
		}
		return
	}
	from = len(rx.Events())
	p = startSend(t, l, tx, cfg, rx.addr, src)
	if code := p.Exit(time.Minute); code != 0 {
		t.Fatalf("send after freeing space: exit %d: %s", code, p.Stderr())
	}
	sfin, _ = p.LastFinal()
	_, rfin = rx.WaitFrom(from, 30*time.Second, "receiver final", testproc.Event.Final)
	if rfin.Str("state") != "done" {
		t.Fatalf("receiver: %v", rfin)
	}
	if h := fileHash(final); h != sum {
		t.Fatalf("file differs after resuming (sha256 %q, want %s)", h, sum)
	}
	if ps := partials(dl); len(ps) != 0 {
		t.Errorf("partials left: %v", ps)
	}
	sent := sfin.Num("sent")
	t.Logf("resumed: %.1f MiB kept, %.1f MiB sent again of %.1f MiB", mib(kept), mib(sent), mib(size))
	if sent > size-kept+(256<<10) {
		t.Errorf("the resumed send moved %d bytes; only %d were missing", sent, size-kept)
	}
}

// mountTmpfs mounts a tmpfs of size bytes at dir and unmounts it when the
// test ends, after the processes started later are gone (cleanups run in
// reverse order).
func mountTmpfs(t *testing.T, dir string, size int64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opt := "size=" + strconv.FormatInt(size, 10)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opt, "lempar-lan-test", dir).CombinedOutput(); err != nil {
		t.Skipf("skipping: cannot mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// fillUntil writes zeros to path until the file system holding it has at
// most leave bytes free (0: until it is full).
func fillUntil(t *testing.T, path string, leave int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
			t.Fatal(err)
		}
		free := int64(st.Bavail) * int64(st.Bsize)
		if free <= leave {
			return
		}
		n := min(int64(len(buf)), free-leave)
		if _, err := f.Write(buf[:n]); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}
