package transfer

import "time"

// Have announcements (swarm_doc.go, "Links"). A piece is news to every
// member, but only its pullers wait on it, and only for the pieces this
// member owns: they ask the owner (the schedule). So a member's own pieces
// go out at once on the links it serves; everything else (other pieces
// there; every piece on the links it pulls over, which the peer reads only
// to know when this member is done; the sender's session, which shows
// progress) rides along with the next prompt frame or goes out every
// haveBatch. With n members that is about one frame per piece per member
// plus a few per link and second, instead of one per piece on every one of
// its 2(n-1) links.

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
	mine := mb.m.owner(k) == mb.m.You
	for _, o := range mb.outs {
		if o != nil {
			o.queueHave(k, all)
		}
	}
	for o := range mb.ins {
		o.queueHave(k, mine || all)
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
