package transfer

import "time"

// Have announcements (swarm_doc.go, "Links"). A piece is news to every
// linked member, but nobody waits on the news: the member that gets its
// pieces from this one (its successor in the ring) is pushed each piece
// as it verifies. So have adds go out every haveBatch (the peer of a link
// this member pulls over reads them to know when it is done, the one it
// serves to skip what it holds, the sender to show progress), or with a
// frame going out anyway; the piece that completes the set goes out at
// once everywhere.

// haveBatch is how long a have that nobody waits on may wait.
const haveBatch = 500 * time.Millisecond

// gainedLocked records a piece verified and written, announces it and
// wakes the placer.
func (mb *member) gainedLocked(k int) {
	n := len(mb.m.pieces)
	mb.have.set(k)
	mb.peerCount[mb.m.You]++
	mb.left[mb.m.pieces[k].file]--
	for mb.firstGap < n && mb.have.has(mb.firstGap) {
		mb.firstGap++
	}
	// The last piece goes out at once everywhere: members linger until
	// each of the others holds everything.
	all := mb.peerCount[mb.m.You] == n
	for _, o := range mb.outs {
		if o != nil {
			o.queueHave(k, all)
		}
	}
	for o := range mb.ins {
		o.queueHave(k, all)
		mb.pushLocked(o, k)
	}
	if mb.sender != nil {
		mb.sender.queueHave(k, all)
	}
	select {
	case mb.kick <- struct{}{}:
	default:
	}
}

// announce sends the batched have adds of every link each tick until the
// member stops (it keeps serving, and telling, after it is done).
func (mb *member) announce(tick <-chan time.Time) {
	for {
		select {
		case <-mb.ctx.Done():
			return
		case <-tick:
		}
		mb.mu.Lock()
		for _, o := range mb.outs {
			if o != nil {
				o.flushHaves()
			}
		}
		for o := range mb.ins {
			o.flushHaves()
		}
		if mb.sender != nil {
			mb.sender.flushHaves()
		}
		mb.mu.Unlock()
	}
}
