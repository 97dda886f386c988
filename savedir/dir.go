package savedir

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

// Dir writes one session's files into the download folder. Every path goes
// through os.Root, so nothing a peer names can land outside it, whatever
// symlinks or ".." tricks it tries. Paths are slash-separated and relative
// to the folder. Its methods may be called from several goroutines.
type Dir struct {
	root   *os.Root
	dir    string
	sender string

	placing sync.Mutex // serialises Place, so two files never race for a name

	jmu       sync.Mutex // guards the journal of placed files (placed.go)
	journal   *os.File
	journalOf string // the session journal is of

	mu   sync.Mutex          // guards made, subs and tick
	made map[string]bool     // folders already created: thousands of small files share a few
	subs map[string]*subRoot // open folders, see at
	tick uint64
}

// Open creates the download folder dir if needed and opens it for receiving
// from sender, an ID that keys partial files and is named in errors. Call it
// only after the person (or a trust rule) accepted, so a declined offer
// touches nothing.
func Open(dir, sender string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, DiskErr(err, dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, DiskErr(err, dir)
	}
	return &Dir{root: root, dir: dir, sender: sender, made: map[string]bool{}, subs: map[string]*subRoot{}}, nil
}

// Close releases the folder handles.
func (ib *Dir) Close() {
	ib.jmu.Lock()
	ib.closeJournalLocked()
	ib.jmu.Unlock()
	ib.closeSubs()
	ib.root.Close()
}

func osPath(p string) string { return filepath.FromSlash(p) }

// PartialName is the partial file for the file p (size bytes, modified at
// mtime, Unix nanoseconds) from sender. It is deterministic: offering the
// same file again finds the same partial, which is what makes resume work
// after a crash without any other state on disk.
func PartialName(sender, p string, size, mtime int64) string {
	b := make([]byte, 0, len(sender)+len(p)+18)
	b = append(b, sender...)
	b = append(b, 0)
	b = append(b, p...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(size))
	b = binary.BigEndian.AppendUint64(b, uint64(mtime))
	sum := blake3.Sum256(b)
	return partialFor(p, hex.EncodeToString(sum[:4]))
}

// UniquePartialName is a fresh partial for p, for a second session sending
// the same file at the same time: it must not share (and corrupt) the first
// one's partial.
func UniquePartialName(p string) string {
	return partialFor(p, uuid.NewString()[:8])
}

// partialFor names p's partial inside PartialDir: out of sight in the
// download folder, yet on its file system, so placing it is one rename. The
// tag tells apart files of one name in different folders.
func partialFor(p, tag string) string {
	suffix := "." + tag + PartialSuffix
	return PartialDir + "/" + truncateUTF8(path.Base(p), MaxNameBytes-len(suffix)) + suffix
}

// Mkdir creates the folder p (and its parents); p is validated first.
func (ib *Dir) Mkdir(p string) error {
	ib.mu.Lock()
	done := ib.made[p]
	ib.mu.Unlock()
	if done {
		return nil
	}
	if err := ValidateRelPath(p); err != nil {
		return err
	}
	if err := ib.root.MkdirAll(osPath(p), 0o755); err != nil {
		return DiskErr(err, p)
	}
	ib.mu.Lock()
	ib.made[p] = true
	ib.mu.Unlock()
	return nil
}

// ResumeState looks at an existing partial and returns how much of it is
// usable with a hasher that has already consumed those bytes. Without a
// usable partial the hasher is nil: a hasher holds ~10 KiB, and an offer of
// 100,000 small files must not hold one per file before any data arrives.
func (ib *Dir) ResumeState(partial string, size int64) (int64, *blake3.Hasher, error) {
	s, name, done := ib.at(partial)
	defer done()
	f, err := s.openExisting(name, os.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, DiskErr(err, partial)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, nil, DiskErr(err, partial)
	}
	if !st.Mode().IsRegular() || st.Size() > size || st.Size() == 0 {
		// Not something we wrote for this item: start over.
		return 0, nil, nil
	}
	h := blake3.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, nil, DiskErr(err, partial)
	}
	return n, h, nil
}

// OpenPartial opens the partial for writing at offset (truncating there),
// creating its folder if needed; mode's executable bits are kept.
func (ib *Dir) OpenPartial(partial string, offset int64, mode uint32) (*os.File, error) {
	if err := ib.mkPartialDir(); err != nil {
		return nil, err
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
			return nil, DiskErr(err, partial)
		}
		return f, nil
	}
	// Resuming: the partial must exist, and be the plain file it was.
	f, err := s.openExisting(name, os.O_WRONLY)
	if err != nil {
		return nil, DiskErr(err, partial)
	}
	if err := f.Truncate(offset); err != nil {
		f.Close()
		return nil, DiskErr(err, partial)
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, DiskErr(err, partial)
	}
	return f, nil
}

// Remove deletes the file p, if it is there.
func (ib *Dir) Remove(p string) {
	s, name, done := ib.at(p)
	defer done()
	_ = s.r.Remove(name)
}

// Place moves a verified, synced partial to its final name p, never
// replacing an existing file: "report.pdf" becomes "report (1).pdf". A
// no-replace rename (or else a link) fails if the target exists, so there is
// no window in which another file could appear and be overwritten. mtime
// (Unix nanoseconds, 0 for none) becomes the file's modification time. It
// returns the path the file was saved under.
func (ib *Dir) Place(partial, p string, mtime int64) (string, error) {
	ib.placing.Lock()
	defer ib.placing.Unlock()
	s, pname, done := ib.at(partial)
	defer done()
	if mtime != 0 {
		mt := time.Unix(0, mtime)
		_ = s.r.Chtimes(pname, mt, mt)
	}
	// The partial waits in PartialDir; the target's folder is another.
	t, _, tdone := ib.at(p)
	defer tdone()
	dir, base := path.Split(p)
	r := ib.root // the fallbacks name both from the download folder
	for n := 0; n < 10_000; n++ {
		final := dir + ConflictName(base, n)
		err := s.renameNoReplace(pname, t, ConflictName(base, n))
		if err == nil {
			return final, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if !errors.Is(err, errors.ErrUnsupported) {
			return "", DiskErr(err, final)
		}
		from, to := osPath(partial), osPath(final)
		err = r.Link(from, to)
		if err == nil {
			_ = r.Remove(from)
			return final, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		// Filesystems without hard links (FAT, some network shares):
		// check, then rename; the window is tiny and only our process
		// writes here.
		if _, serr := r.Lstat(to); serr == nil {
			continue
		}
		if err := r.Rename(from, to); err != nil {
			return "", DiskErr(err, final)
		}
		return final, nil
	}
	return "", newErr(errcode.TooManyCopies, nil, "Path", p)
}

// SetTime sets the modification time of p (Unix nanoseconds; 0 leaves it).
// Folders get theirs after their files were written, deepest first.
func (ib *Dir) SetTime(p string, mtime int64) {
	if mtime != 0 {
		mt := time.Unix(0, mtime)
		_ = ib.root.Chtimes(osPath(p), mt, mt)
	}
}

// Sync makes closed partials durable before they are placed: on Linux one
// syncfs for the whole batch (it costs about one fsync), elsewhere an fsync
// of each.
func (ib *Dir) Sync(partials []string) error {
	if err := syncBatch(ib.root, partials); err != nil {
		return DiskErr(err, ib.dir)
	}
	return nil
}

// ExistingParent is dir or its nearest ancestor that exists: where to ask
// FreeSpace and CanWrite about a download folder not created yet.
func ExistingParent(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			return d
		}
	}
}
