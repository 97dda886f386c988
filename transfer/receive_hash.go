package transfer

import (
	"encoding/hex"

	"github.com/zeebo/blake3"
)

// Large files are hashed beside the writer: the writer writes a chunk to
// disk and hands it to hashLoop, which hashes it while the next chunk is
// written, then returns the buffer to the pool. Hashing and disk writes
// were one after the other on the writer goroutine, the slowest stage of
// the receiver. Small files (below syncThreshold) are hashed inline: a
// goroutine hop per file would cost more than it saves.

// hashJob is data of a large file to hash (buf goes back to rx.free once
// hashed), a restart of the file's hash (reset), or a request for its
// digest (sum, buffered), which also ends the file's hash.
type hashJob struct {
	f     *rxFile
	data  []byte
	buf   []byte
	reset bool
	sum   chan string
}

// hashAsync reports whether f's data is hashed by hashLoop. It never
// changes during a session, so each file's hash has one owner.
func hashAsync(f *rxFile) bool { return f.item.Size >= syncThreshold }

// hashLoop owns the hashers of large files while the writer runs; it
// returns when jobs is closed. It never blocks on anything but jobs: there
// are never more buffers than rx.free holds.
func (rx *receive) hashLoop(jobs <-chan hashJob, done chan<- struct{}) {
	defer close(done)
	var spare *blake3.Hasher
	for j := range jobs {
		f := j.f
		switch {
		case j.reset:
			if f.h != nil {
				spare, f.h = f.h, nil
			}
		case j.sum != nil:
			if f.h == nil {
				f.h = takeHasher(&spare)
			}
			j.sum <- hex.EncodeToString(f.h.Sum(nil))
			spare, f.h = f.h, nil
		default:
			if f.h == nil {
				f.h = takeHasher(&spare)
			}
			f.h.Write(j.data)
			rx.free <- j.buf
		}
	}
}

// takeHasher returns a fresh hasher, reusing *spare if there is one: a
// hasher is ~10 KiB to allocate and clear, which showed in the profile of
// many small files.
func takeHasher(spare **blake3.Hasher) *blake3.Hasher {
	if h := *spare; h != nil {
		*spare = nil
		h.Reset()
		return h
	}
	return blake3.New()
}
