package transfer

import (
	"context"
	"encoding/hex"
	"errors"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/savedir"
)

// write is the receiver's disk side: it takes data and file-done frames in
// order, hashes while writing, verifies, syncs and renames into place. It
// runs beside readLoop so decryption and disk writes overlap.
func (rx *receive) write() error {
	pending := 0
	for _, f := range rx.files {
		if f != nil {
			pending++
		}
	}
	var batch []*rxFile
	var batchBytes int64
	var failed []error
	cur, next := -1, 0 // item with data in flight; lowest item allowed next
	name := rx.ss.peer.Name
	defer func() {
		for _, f := range rx.files {
			if f != nil && f.f != nil {
				f.f.Close() // kept on disk for resume
			}
		}
	}()
	hq := make(chan hashJob, rxBuffers+1)
	hdone := make(chan struct{})
	go rx.hashLoop(hq, hdone)
	defer func() {
		close(hq)
		<-hdone
	}()

	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		names := make([]string, len(batch))
		for i, f := range batch {
			names[i] = f.partial
		}
		if err := rx.ib.Sync(names); err != nil {
			return err
		}
		for _, f := range batch {
			if err := rx.finalize(f); err != nil {
				return err
			}
		}
		batch, batchBytes = batch[:0], 0
		return rx.ss.fw.flush()
	}

	for pending > 0 {
		var j rxJob
		select {
		case j = <-rx.jobs:
		case <-rx.ctx.Done():
			return context.Cause(rx.ctx)
		}
		for next < len(rx.files) && rx.files[next] == nil {
			next++ // texts, folders and refused items carry no data
		}
		if j.item != next || j.item >= len(rx.files) {
			// Only the next accepted file may start: data for a later one
			// would leave this one unfinished and the session never ending.
			return protocolError("frame for item %d, expected item %d", j.item, next)
		}
		if cur >= 0 && j.item != cur {
			return protocolError("data for item %d before item %d was finished", j.item, cur)
		}
		cur = j.item
		f := rx.files[j.item]
		if j.t == FrameData {
			handed, err := rx.writeData(f, j, hq)
			if !handed {
				rx.free <- j.buf
			}
			if err != nil {
				return err
			}
			continue
		}
		// File done.
		if f.off != f.item.Size {
			return protocolError("%q ended after %d of %d bytes", f.item.Path, f.off, f.item.Size)
		}
		if f.f == nil && f.placed == "" {
			var err error
			if f.f, err = rx.ib.OpenPartial(f.partial, f.off, f.item.Mode); err != nil {
				return err
			}
		}
		pending--
		cur, next = -1, j.item+1
		var got string
		if hashAsync(f) {
			sum := make(chan string, 1)
			hq <- hashJob{f: f, sum: sum}
			got = <-sum
		} else {
			if f.h == nil {
				f.h = takeHasher(&rx.spare)
			}
			got = hex.EncodeToString(f.h.Sum(nil))
			rx.spare, f.h = f.h, nil // done with it; see resumeState
		}
		if got != j.digest {
			if f.placed == "" { // a placed file stays: it is the person's now
				f.f.Close()
				f.f = nil
				rx.ib.Remove(f.partial)
			}
			failed = append(failed, newErr(errcode.DigestMismatch, nil, "Path", f.item.Path, "Name", name))
			_ = rx.ss.fw.control(FrameAck, Ack{Item: j.item, Code: errcode.DigestMismatch.String()})
			continue
		}
		if f.placed != "" {
			if err := rx.keepPlaced(f); err != nil {
				return err
			}
			if err := rx.ss.fw.flush(); err != nil {
				return rx.lost(err)
			}
			continue
		}
		if f.item.Size >= syncThreshold {
			if err := f.f.Sync(); err != nil {
				return savedir.DiskErr(err, f.item.Path)
			}
		}
		err := f.f.Close()
		f.f = nil
		if err != nil {
			return savedir.DiskErr(err, f.item.Path)
		}
		if f.item.Size >= syncThreshold {
			if err := rx.finalize(f); err != nil {
				return err
			}
			if err := rx.ss.fw.flush(); err != nil {
				return rx.lost(err)
			}
		} else {
			batch = append(batch, f)
			batchBytes += f.item.Size
			if len(batch) >= batchMaxFiles || batchBytes >= batchMaxBytes || pending == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return errors.Join(failed...)
	}
	return nil
}

// writeData writes one data frame and hashes it, or hands it to hashLoop
// (handed: j.buf then goes back to the pool from there).
func (rx *receive) writeData(f *rxFile, j rxJob, hq chan<- hashJob) (handed bool, err error) {
	n := int64(len(j.data))
	if j.offset == 0 && f.off > 0 {
		// The sender's prefix differed from ours (or the file placed
		// before is not this one): start this file over.
		f.placed = ""
		back := f.off
		if hashAsync(f) {
			hq <- hashJob{f: f, reset: true}
		} else {
			f.h = nil
		}
		f.off = 0
		if f.f != nil {
			f.f.Close()
			f.f = nil
		}
		rx.tr.update(func(e *Event) { e.Done -= back })
		var err error
		if f.f, err = rx.ib.OpenPartial(f.partial, 0, f.item.Mode); err != nil {
			return false, err
		}
	}
	if j.offset != f.off {
		return false, protocolError("%q: data at offset %d, expected %d", f.item.Path, j.offset, f.off)
	}
	if f.off+n > f.item.Size {
		if f.f != nil {
			f.f.Close()
			f.f = nil
		}
		rx.ib.Remove(f.partial)
		return false, newErr(errcode.TooManyBytes, nil, "Path", f.item.Path, "Name", rx.ss.peer.Name)
	}
	if f.f == nil {
		var err error
		if f.f, err = rx.ib.OpenPartial(f.partial, f.off, f.item.Mode); err != nil {
			return false, err
		}
	}
	if _, err := f.f.Write(j.data); err != nil {
		return false, savedir.DiskErr(err, f.item.Path)
	}
	if wroteBehind(&f.unsynced, n) {
		startWriteback(f.f)
	}
	if hashAsync(f) {
		hq <- hashJob{f: f, data: j.data, buf: j.buf}
		handed = true
	} else {
		if f.h == nil {
			f.h = takeHasher(&rx.spare)
		}
		f.h.Write(j.data)
	}
	f.off += n
	rx.tr.update(func(e *Event) {
		e.Done += n
		e.Sent += n
		e.Current, e.CurrentDone, e.CurrentSize = f.item.Path, f.off, f.item.Size
	})
	return handed, nil
}

// keepPlaced counts a file this session placed before (rxFile.placed),
// whose bytes the sender's digest just confirmed, as received there.
func (rx *receive) keepPlaced(f *rxFile) error {
	rx.tr.update(func(e *Event) {
		e.FilesDone++
		e.Saved = append(e.Saved, f.placed)
	})
	return rx.ss.fw.controlNoFlush(FrameAck, Ack{Item: f.idx, OK: true, SavedAs: f.placed})
}

// finalize renames a durable partial into place and acks it (unflushed).
func (rx *receive) finalize(f *rxFile) error {
	final, err := rx.ib.Place(f.partial, f.item.Path, f.item.MTime)
	if err != nil {
		return err
	}
	rx.ib.NotePlaced(rx.offer.Session, f.idx, final)
	rx.tr.update(func(e *Event) {
		e.FilesDone++
		e.Saved = append(e.Saved, final)
	})
	return rx.ss.fw.controlNoFlush(FrameAck, Ack{Item: f.idx, OK: true, SavedAs: final})
}
