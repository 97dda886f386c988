package transfer

import "time"

// Which member to ask for which piece (swarm_doc.go, "Schedule").

const (
	askPerLink   = 4 // requests waiting on one member's link
	askPerSender = 2 // on the sender's session: it is the fallback
)

// scheduleLocked sends requests for missing pieces. Piece k comes from
// its owner once the owner has it; from any member that has it when the
// owner is not linked (or this member owns it and the sender is away);
// from the sender only when no linked member has it and its owner has been
// known unreachable for ownerGrace (see member.gone).
func (mb *member) scheduleLocked() {
	if mb.ctx.Err() != nil {
		return
	}
	n := len(mb.m.pieces)
	me := mb.m.You
	for mb.firstGap < n && mb.have.has(mb.firstGap) {
		mb.firstGap++
	}
	for _, l := range mb.outs {
		if l == nil || l.isClosed() || mb.dropped[l.peer] {
			continue
		}
		for k := mb.firstGap; k < n && l.asked < askPerLink; k++ {
			if mb.have.has(k) || mb.inflight[k] != nil || !l.have.has(k) {
				continue
			}
			o := mb.m.owner(k)
			switch {
			case o == l.peer:
			case o == me:
				if mb.sender != nil {
					continue // the sender pushes it here (asking a member too would fetch it twice)
				}
			case mb.outs[o] != nil && !mb.dropped[o] && mb.outs[o].have.has(k):
				continue // its owner passes it on
			}
			mb.ask(l, k)
		}
	}
	s := mb.sender
	if s == nil || s.isClosed() {
		return
	}
	for k := mb.firstGap; k < n && s.asked < askPerSender; k++ {
		if mb.have.has(k) || mb.inflight[k] != nil {
			continue
		}
		o := mb.m.owner(k)
		if o == me {
			continue
		}
		if !mb.dropped[o] && (mb.outs[o] != nil || mb.gone[o].IsZero() || time.Since(mb.gone[o]) < ownerGrace) {
			continue
		}
		if mb.someoneHasLocked(k) {
			continue
		}
		mb.ask(s, k)
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
