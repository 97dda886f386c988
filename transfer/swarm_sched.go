package transfer

import (
	"math/bits"
	"time"
)

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

// scheduleLocked sends requests for missing pieces on every link. Piece k
// comes from its owner once the owner has it; from any member that has it
// when the owner is not linked (or this member owns it and the sender is
// away); from the sender only when no linked member has it and its owner
// has been known unreachable for ownerGrace (see member.gone).
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

// scheduleLinkLocked asks l for what it has and this member should get
// from it, up to askPerLink: the pieces it holds that this member lacks,
// a bitmap byte at a time.
func (mb *member) scheduleLinkLocked(l *link) {
	if mb.ctx.Err() != nil || !mb.usableLocked(l) {
		return
	}
	for i := mb.firstGap >> 3; i < len(mb.have) && l.asked < askPerLink; i++ {
		for c := l.have[i] &^ mb.have[i]; c != 0 && l.asked < askPerLink; c &= c - 1 {
			k := i<<3 + bits.TrailingZeros8(c)
			if mb.inflight[k] == nil && mb.fromLocked(l, k) {
				mb.ask(l, k)
			}
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
// asked for, should come from l.
func (mb *member) fromLocked(l *link, k int) bool {
	o := mb.m.owner(k)
	switch {
	case o == l.peer:
		return true
	case o == mb.m.You:
		// The sender pushes it here (asking a member too would fetch it
		// twice); a member serves it only while the sender is away.
		return mb.sender == nil
	case mb.outs[o] != nil && !mb.dropped[o] && mb.outs[o].have.has(k):
		return false // its owner passes it on
	}
	return true
}

// scheduleSenderLocked asks the sender for pieces whose owner has been
// unreachable for ownerGrace and that no linked member holds.
func (mb *member) scheduleSenderLocked() {
	s := mb.sender
	if mb.ctx.Err() != nil || s == nil || s.isClosed() || s.asked >= askPerSender {
		return
	}
	nm := len(mb.m.Members)
	away := make([]bool, nm) // owners whose pieces may come from the sender
	any := false
	for o := range nm {
		if o != mb.m.You && (mb.dropped[o] || mb.outs[o] == nil && !mb.gone[o].IsZero() && time.Since(mb.gone[o]) >= ownerGrace) {
			away[o], any = true, true
		}
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
