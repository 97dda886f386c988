package transfer

import (
	"context"
	"sync"
	"time"
)

// The sender's uplink carries each piece once, and the ring moves a piece
// on only once its owner holds all of it. Pushed to every member at once,
// each member's first piece crawls in at 1/n of the sender's link while
// the ring waits (at 30 members and 10 Mbit/s, 0.8 s of nothing), and
// every member's last piece lands at the same moment, so the ring drains
// them all at the end. So the sender pushes to a few members at a time,
// each piece whole at (nearly) its full link rate, in turn: the ring
// starts with the first piece and the sender's last pieces are spread
// over the last round. A slot is soft: a member whose link stalls holds
// one for pushHold at most, then the others go on without it.
//
// Why four (30 members, medians of 3 on the emulated LAN): with two, a
// member's turn comes round so seldom that its connection sits idle past
// its retransmission timeout and restarts each piece in slow start (25
// Mbit/s: 1.58× one receiver's time); with six or more the pushes blur
// towards all at once again (10 Mbit/s: 1.33–1.39×); four gave 1.26–1.30×
// at both rates, against 1.39–1.50× for all at once.
//
// Turns only mean something if a write returns when its bytes are on the
// wire, not when they fit in a send buffer that holds seconds of a slow
// link: the sender's swarm sessions cap unsent data at pushLowat
// (TCP_NOTSENT_LOWAT; Windows has none, and there the send buffers blur
// the turns).
const (
	pushSlots = 4
	pushLowat = 16 << 10
)

// pushHold is how long a push keeps its slot at most (a var for tests).
var pushHold = time.Second

// takeSlot waits for a turn to push to t and returns its release.
func (t *SwarmTarget) takeSlot(ctx context.Context) (func(), error) {
	slots := t.roster.slots
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	release := func() { once.Do(func() { <-slots }) }
	tm := time.AfterFunc(pushHold, release)
	return func() { tm.Stop(); release() }, nil
}
