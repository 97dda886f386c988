package transfer

import "time"

// Which member to ask for which piece (swarm_doc.go, "Schedule").
//
// Scheduling runs on every piece and every have add, in each of up to
// hundreds of members, so its cost must not grow with members × pieces per
// call: a have add looks only at the pieces it adds, a piece that arrives
// only at the link it freed, and only changes to the links themselves (one
// up, down or dropped; a reject; the grace tick) look at everything.

const (
	askPerLink   = 4 // requests waiting on one member's link
	askPerSender = 2 // on the sender's session: it is the fallback
)

// scheduleLocked sends requests for missing pieces on every link. The
// members this one pulls from push it every other piece unasked, so it
// asks only for its own pieces, and only while the sender (which pushes
// them) is away: from the nearest linked predecessor (ring order, see
// pred) that has them. It asks the sender for a piece no linked member has
// when every member from the piece's owner to this one's predecessor has
// been known unreachable for ownerGrace (see member.gone).
func (mb *member) scheduleLocked() {
	if mb.ctx.Err() != nil {
		return
	}
	for _, l := range mb.outs {
		mb.scheduleLinkLocked(l)
	}
	mb.scheduleSenderLocked()
}

// usableLocked: l is member j's link this member pulls over, up and not
// dropped.
func (mb *member) usableLocked(l *link) bool {
	return l != nil && !l.isClosed() && mb.outs[l.peer] == l && !mb.dropped[l.peer]
}

// scheduleLinkLocked asks l, up to askPerLink, for this member's own
// pieces that it holds and that should come from it (only while the
// sender is away: see scheduleLocked).
func (mb *member) scheduleLinkLocked(l *link) {
	if mb.ctx.Err() != nil || mb.sender != nil || !mb.usableLocked(l) {
		return
	}
	nm, me := len(mb.m.Members), mb.m.You
	for k := mb.firstGap + (me-mb.firstGap%nm+nm)%nm; k < len(mb.m.pieces) && l.asked < askPerLink; k += nm {
		if l.have.has(k) && !mb.have.has(k) && mb.inflight[k] == nil && mb.fromLocked(l, k) {
			mb.ask(l, k)
		}
	}
}

// scheduleAddsLocked: l announced ks; ask for those it should serve here.
func (mb *member) scheduleAddsLocked(l *link, ks []int) {
	if mb.ctx.Err() != nil || !mb.usableLocked(l) {
		return
	}
	for _, k := range ks {
		if l.asked >= askPerLink {
			return
		}
		if !mb.have.has(k) && mb.inflight[k] == nil && mb.fromLocked(l, k) {
			mb.ask(l, k)
		}
	}
}

// fromLocked: piece k, which l holds and this member lacks and has not
// asked for, should be asked from l: no linked member nearer before this
// one in the ring holds it.
func (mb *member) fromLocked(l *link, k int) bool {
	// Others are pushed here by the member serving l. This member's own
	// pieces the sender pushes (asking a member too would fetch them
	// twice); a member serves them only while the sender is away.
	if mb.m.owner(k) != mb.m.You || mb.sender != nil {
		return false
	}
	for d := mb.pred(mb.m.You); d != l.peer; d = mb.pred(d) {
		if o := mb.outs[d]; o != nil && !mb.dropped[d] && o.have.has(k) {
			return false
		}
	}
	return true
}

// pred and succ are the members before and after j in the ring (manifest
// order, wrapping).
func (mb *member) pred(j int) int { return (j + len(mb.m.Members) - 1) % len(mb.m.Members) }
func (mb *member) succ(j int) int { return (j + 1) % len(mb.m.Members) }

// awayLocked: member d is dropped, or not linked and known unreachable
// for ownerGrace.
func (mb *member) awayLocked(d int) bool {
	return mb.dropped[d] || mb.outs[d] == nil && !mb.gone[d].IsZero() && time.Since(mb.gone[d]) >= ownerGrace
}

// scheduleSenderLocked asks the sender for the pieces this member is the
// first to miss: their owner and every member after it up to this one
// have been unreachable for ownerGrace (so the pieces cannot come round
// the ring), and no linked member holds them.
func (mb *member) scheduleSenderLocked() {
	s := mb.sender
	if mb.ctx.Err() != nil || s == nil || s.isClosed() || s.asked >= askPerSender {
		return
	}
	away := make([]bool, len(mb.m.Members)) // owners whose pieces may come from the sender
	any := false
	for d := mb.pred(mb.m.You); d != mb.m.You && mb.awayLocked(d); d = mb.pred(d) {
		away[d], any = true, true
	}
	if !any {
		return
	}
	for k := mb.firstGap; k < len(mb.m.pieces) && s.asked < askPerSender; k++ {
		if away[mb.m.owner(k)] && !mb.have.has(k) && mb.inflight[k] == nil && !mb.someoneHasLocked(k) {
			mb.ask(s, k)
		}
	}
}

func (mb *member) ask(l *link, k int) {
	mb.inflight[k] = l
	l.asked++
	l.queueReq(k)
}

// someoneHasLocked: a linked member that was not dropped holds piece k.
func (mb *member) someoneHasLocked(k int) bool {
	for _, l := range mb.outs {
		if l != nil && !mb.dropped[l.peer] && l.have.has(k) {
			return true
		}
	}
	return false
}
