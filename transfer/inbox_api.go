package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/lempar/lempar/internal/errcode"
)

// Inbox is the safe download folder for receivers that speak another
// protocol (LocalSend): the same os.Root confinement, name checks, partial
// files, durability and never-overwrite rule as Lempar's own receiver.
type Inbox struct {
	mu sync.Mutex // serialises placing files, so two never race for a name
	ib *inbox
}

// OpenInbox opens (creating if needed) dir for receiving from sender, an ID
// that keys partial files. Call it only after the offer was accepted.
func OpenInbox(dir, sender string) (*Inbox, error) {
	ib, err := openInbox(dir, sender)
	if err != nil {
		return nil, err
	}
	return &Inbox{ib: ib}, nil
}

// Close releases the folder handle.
func (in *Inbox) Close() { in.ib.close() }

// Mkdir creates a folder of the offer; p is validated first.
func (in *Inbox) Mkdir(p string) error {
	if err := ValidateRelPath(p); err != nil {
		return err
	}
	return in.ib.mkdirs(p)
}

// ReceiveFile streams exactly it.Size bytes from r into it.Path, via a
// partial file that is renamed into place only after the size (and the
// SHA-256, when sha256hex is not empty) matched and the bytes were synced.
// progress, if set, hears about each block written. It returns the saved
// relative path, which may carry " (1)" when the name was taken.
func (in *Inbox) ReceiveFile(ctx context.Context, it Item, r io.Reader, sha256hex string, progress func(int64)) (string, error) {
	if err := ValidateRelPath(it.Path); err != nil {
		return "", err
	}
	if it.Size < 0 || it.Size > MaxTotalBytes {
		return "", protocolError("file %q has size %d", it.Path, it.Size)
	}
	partial := uniquePartialName(it)
	f, err := in.ib.openPartial(partial, 0, it.Mode)
	if err != nil {
		return "", err
	}
	keep := false
	defer func() {
		if f != nil {
			f.Close()
		}
		if !keep {
			in.ib.remove(partial)
		}
	}()
	var h hash.Hash
	w := io.Writer(f)
	if sha256hex != "" {
		h = sha256.New()
		w = io.MultiWriter(f, h)
	}
	buf := make([]byte, ChunkSize)
	var n int64
	for n < it.Size {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		m, rerr := r.Read(buf[:min(int64(len(buf)), it.Size-n)])
		if m > 0 {
			if _, err := w.Write(buf[:m]); err != nil {
				return "", diskErr(err, it.Path)
			}
			n += int64(m)
			if progress != nil {
				progress(int64(m))
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return "", newErr(errcode.ConnectionLost, rerr, "Name", it.Path)
		}
	}
	if n != it.Size {
		return "", protocolError("%q ended after %d of %d bytes", it.Path, n, it.Size)
	}
	// One more byte than announced is a lie about the size: refuse it.
	var one [1]byte
	if m, _ := r.Read(one[:]); m > 0 {
		return "", newErr(errcode.TooManyBytes, nil, "Path", it.Path, "Name", in.ib.sender)
	}
	if h != nil && !strings.EqualFold(hex.EncodeToString(h.Sum(nil)), sha256hex) {
		return "", newErr(errcode.DigestMismatch, nil, "Path", it.Path, "Name", in.ib.sender)
	}
	if err := f.Sync(); err != nil {
		return "", diskErr(err, it.Path)
	}
	if err := f.Close(); err != nil {
		f = nil
		return "", diskErr(err, it.Path)
	}
	f = nil
	if dir := path.Dir(it.Path); dir != "." {
		if err := in.ib.mkdirs(dir); err != nil {
			return "", err
		}
	}
	in.mu.Lock()
	final, err := in.ib.place(partial, it)
	in.mu.Unlock()
	if err != nil {
		return "", err
	}
	keep = true
	return final, nil
}
