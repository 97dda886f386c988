package savedir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"path"
	"strings"

	"github.com/lempar/lempar/internal/errcode"
)

// File is a file arriving in one piece (LocalSend's uploads).
type File struct {
	Path  string // relative, slash-separated; validated by ReceiveFile
	Size  int64  // exactly this many bytes are expected
	Mode  uint32 // executable bits are kept
	MTime int64  // Unix nanoseconds; 0 for none
}

// bufSize is how much ReceiveFile reads and writes at a time.
const bufSize = 256 << 10

// ReceiveFile streams exactly it.Size bytes from r into it.Path, via a
// partial file that is renamed into place only after the size (and the
// SHA-256, when sha256hex is not empty) matched and the bytes were synced.
// progress, if set, hears about each block written. It returns the saved
// relative path, which may carry " (1)" when the name was taken. Files
// received at once are kept apart: each has a partial of its own.
func (ib *Dir) ReceiveFile(ctx context.Context, it File, r io.Reader, sha256hex string, progress func(int64)) (string, error) {
	if err := ValidateRelPath(it.Path); err != nil {
		return "", err
	}
	if it.Size < 0 {
		return "", protocolError("file %q has size %d", it.Path, it.Size)
	}
	partial := UniquePartialName(it.Path)
	f, err := ib.OpenPartial(partial, 0, it.Mode)
	if err != nil {
		return "", err
	}
	keep := false
	defer func() {
		if f != nil {
			f.Close()
		}
		if !keep {
			ib.Remove(partial)
		}
	}()
	var h hash.Hash
	w := io.Writer(f)
	if sha256hex != "" {
		h = sha256.New()
		w = io.MultiWriter(f, h)
	}
	buf := make([]byte, bufSize)
	var n int64
	for n < it.Size {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		m, rerr := r.Read(buf[:min(int64(len(buf)), it.Size-n)])
		if m > 0 {
			if _, err := w.Write(buf[:m]); err != nil {
				return "", DiskErr(err, it.Path)
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
		return "", newErr(errcode.TooManyBytes, nil, "Path", it.Path, "Name", ib.sender)
	}
	if h != nil && !strings.EqualFold(hex.EncodeToString(h.Sum(nil)), sha256hex) {
		return "", newErr(errcode.DigestMismatch, nil, "Path", it.Path, "Name", ib.sender)
	}
	if err := f.Sync(); err != nil {
		return "", DiskErr(err, it.Path)
	}
	if err := f.Close(); err != nil {
		f = nil
		return "", DiskErr(err, it.Path)
	}
	f = nil
	if dir := path.Dir(it.Path); dir != "." {
		if err := ib.Mkdir(dir); err != nil {
			return "", err
		}
	}
	final, err := ib.Place(partial, it.Path, it.MTime)
	if err != nil {
		return "", err
	}
	keep = true
	return final, nil
}
