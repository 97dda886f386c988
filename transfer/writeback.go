package transfer

// A received file is fsynced before it is placed. Left to the kernel, its
// pages stay dirty until then (the write-back thresholds are gigabytes on
// a desktop), so the whole file goes to disk in that one fsync: seconds
// for a big file on a USB stick, and on one machine running several
// receivers (the swarm benchmark) all of them at the same moment. Every
// writeBehindStep bytes the receiver starts the write-back of what it has
// written, so the disk works while the network does and the final fsync
// has little left to do.
const writeBehindStep = 8 << 20

// wroteBehind adds n bytes written to acc, the bytes written since the
// last write-back began, and says whether to begin one now.
func wroteBehind(acc *int64, n int64) bool {
	*acc += n
	if *acc < writeBehindStep {
		return false
	}
	*acc = 0
	return true
}
