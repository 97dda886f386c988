package transfer

import (
	"io"
	"time"

	"github.com/zeebo/blake3"

	"github.com/lempar/lempar/savedir"
)

// A session offered again (the sender retrying after this receiver
// restarted) may hold files this receiver already placed before the
// sender heard so. The session's journal (savedir.NotePlaced) says where
// they went; only a hash over the whole file decides it is the same
// bytes: a swarm member compares it with the manifest's digest, a direct
// receiver offers the file as a resume of every byte, which the sender
// takes only if its own file hashes the same (else it sends the file,
// placed beside as "name (1)" as before).

// hashPlaced returns a hasher holding all of the file at p, or nil when
// it can't be the offered file (gone, changed size or time, not a plain
// file).
func hashPlaced(ib *savedir.Dir, p string, size, mtime int64) *blake3.Hasher {
	f, err := ib.OpenPlaced(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() != size {
		return nil
	}
	if mtime != 0 && st.ModTime().Sub(time.Unix(0, mtime)).Abs() > 2*time.Second { // FAT keeps 2 s
		return nil
	}
	h := blake3.New()
	if n, err := io.Copy(h, f); err != nil || n != size {
		return nil
	}
	return h
}
