package transfer

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/zeebo/blake3"

	"github.com/lempar/lempar/internal/errcode"
)

// inbox writes one session's files. Every path goes through os.Root, so
// nothing a peer names can land outside the download folder, whatever
// symlinks or ".." tricks it tries.
type inbox struct {
	root   *os.Root
	dir    string
	sender string

	mu   sync.Mutex          // guards made, subs and tick
	made map[string]bool     // folders already created: thousands of small files share a few
	subs map[string]*subRoot // open folders, see at
	tick uint64
}

// openInbox creates the download folder if needed. It is called only after
// the person (or a trust rule) accepted, so a declined offer touches nothing.
func openInbox(dir, sender string) (*inbox, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, diskErr(err, dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, diskErr(err, dir)
	}
	return &inbox{root: root, dir: dir, sender: sender, made: map[string]bool{}, subs: map[string]*subRoot{}}, nil
}

func (ib *inbox) close() {
	ib.closeSubs()
	ib.root.Close()
}

func osPath(p string) string { return filepath.FromSlash(p) }

// partialName is deterministic for (sender, path, size, mtime): offering the
// same file again finds the same partial, which is what makes resume work
// after a crash without any other state on disk.
func partialName(sender string, it Item) string {
	b := make([]byte, 0, len(sender)+len(it.Path)+18)
	b = append(b, sender...)
	b = append(b, 0)
	b = append(b, it.Path...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(it.Size))
	b = binary.BigEndian.AppendUint64(b, uint64(it.MTime))
	sum := blake3.Sum256(b)
	return partialFor(it.Path, hex.EncodeToString(sum[:4]))
}

// uniquePartialName is for a second session sending the same file at the
// same time: it must not share (and corrupt) the first one's partial.
func uniquePartialName(it Item) string {
	return partialFor(it.Path, uuid.NewString()[:8])
}

func partialFor(p, tag string) string {
	dir, base := path.Split(p)
	suffix := "." + tag + PartialSuffix
	return dir + truncateUTF8(base, MaxNameBytes-len(suffix)) + suffix
}

// mkdirs creates a folder of the offer (and its parents).
func (ib *inbox) mkdirs(p string) error {
	ib.mu.Lock()
	done := ib.made[p]
	ib.mu.Unlock()
	if done {
		return nil
	}
	if err := ib.root.MkdirAll(osPath(p), 0o755); err != nil {
		return diskErr(err, p)
	}
	ib.mu.Lock()
	ib.made[p] = true
	ib.mu.Unlock()
	return nil
}

// resumeState looks at an existing partial and returns how much of it is
// usable with a hasher that has already consumed those bytes. Without a
// usable partial the hasher is nil: a hasher holds ~10 KiB, and an offer of
// 100,000 small files must not hold one per file before any data arrives.
func (ib *inbox) resumeState(partial string, size int64) (int64, *blake3.Hasher, error) {
	s, name, done := ib.at(partial)
	defer done()
	f, err := s.r.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, diskErr(err, partial)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, nil, diskErr(err, partial)
	}
	if !st.Mode().IsRegular() || st.Size() > size || st.Size() == 0 {
		// Not something we wrote for this item: start over.
		return 0, nil, nil
	}
	h := blake3.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, nil, diskErr(err, partial)
	}
	return n, h, nil
}

// openPartial opens the partial for writing at offset (truncating there).
func (ib *inbox) openPartial(partial string, offset int64, mode uint32) (*os.File, error) {
	if dir := path.Dir(partial); dir != "." {
		if err := ib.mkdirs(dir); err != nil {
			return nil, err
		}
	}
	perm := os.FileMode(0o644)
	if mode&0o111 != 0 {
		perm = 0o755
	}
	s, name, done := ib.at(partial)
	defer done()
	if offset == 0 {
		// The common case, in one system call.
		f, err := s.create(name, perm)
		if err != nil {
			return nil, diskErr(err, partial)
		}
		return f, nil
	}
	f, err := s.r.OpenFile(name, os.O_WRONLY|os.O_CREATE, perm)
	if err != nil {
		return nil, diskErr(err, partial)
	}
	if err := f.Truncate(offset); err != nil {
		f.Close()
		return nil, diskErr(err, partial)
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, diskErr(err, partial)
	}
	return f, nil
}

func (ib *inbox) remove(p string) {
	s, name, done := ib.at(p)
	defer done()
	_ = s.r.Remove(name)
}

// place moves a verified, synced partial to its final name, never replacing
// an existing file: "report.pdf" becomes "report (1).pdf". A no-replace
// rename (or else a link) fails if the target exists, so there is no window
// in which another file could appear and be overwritten.
func (ib *inbox) place(partial string, it Item) (string, error) {
	s, pname, done := ib.at(partial)
	defer done()
	r := s.r
	if it.MTime != 0 {
		mt := time.Unix(0, it.MTime)
		_ = r.Chtimes(pname, mt, mt)
	}
	dir, base := path.Split(it.Path)
	for n := 0; n < 10_000; n++ {
		name := ConflictName(base, n)
		if r == ib.root {
			name = osPath(dir + name)
		}
		final := dir + ConflictName(base, n)
		err := s.renameNoReplace(pname, name)
		if err == nil {
			return final, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if !errors.Is(err, errors.ErrUnsupported) {
			return "", diskErr(err, final)
		}
		err = r.Link(pname, name)
		if err == nil {
			_ = r.Remove(pname)
			return final, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		// Filesystems without hard links (FAT, some network shares):
		// check, then rename; the window is tiny and only our process
		// writes here.
		if _, serr := r.Lstat(name); serr == nil {
			continue
		}
		if err := r.Rename(pname, name); err != nil {
			return "", diskErr(err, final)
		}
		return final, nil
	}
	return "", newErr(errcode.TooManyCopies, nil, "Path", it.Path)
}

// setDirTimes restores folder mtimes after their files were written.
func (ib *inbox) setDirTimes(items []Item) {
	for i := len(items) - 1; i >= 0; i-- {
		if it := items[i]; it.Kind == KindDir && it.MTime != 0 {
			mt := time.Unix(0, it.MTime)
			_ = ib.root.Chtimes(osPath(it.Path), mt, mt)
		}
	}
}

// diskErr explains a local file system failure.
func diskErr(err error, p string) error {
	switch {
	case isNoSpace(err):
		return newErr(errcode.DiskFull, err, "Path", p)
	case errors.Is(err, fs.ErrPermission) || isReadOnly(err):
		return newErr(errcode.DiskReadOnly, err, "Path", p)
	}
	return newErr(errcode.DiskError, err, "Path", p)
}
