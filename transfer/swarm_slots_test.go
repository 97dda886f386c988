package transfer

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// The sender pushes to pushSlots members at a time, and a member whose
// push stalls gives its turn up after pushHold without breaking the count.
func TestPushSlotsTakeTurns(t *testing.T) {
	defer func(d time.Duration) { pushHold = d }(pushHold)
	pushHold = 200 * time.Millisecond
	tg := &SwarmTarget{roster: &roster{slots: make(chan struct{}, pushSlots)}}
	ctx := context.Background()

	var now, most atomic.Int32
	done := make(chan struct{})
	for range 10 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 20 {
				release, err := tg.takeSlot(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				n := now.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(time.Millisecond)
				now.Add(-1)
				release()
			}
		}()
	}
	for range 10 {
		<-done
	}
	if m := most.Load(); m != pushSlots {
		t.Fatalf("%d pushes at once, want %d", m, pushSlots)
	}

	// Every slot's push stalls: the next goes on once their turns run out.
	var held []func()
	for range pushSlots {
		r, err := tg.takeSlot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, r)
	}
	start := time.Now()
	r, err := tg.takeSlot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < pushHold/2 {
		t.Fatalf("a push got a slot after %v while all %d were held", waited, pushSlots)
	}
	r()
	for _, r := range held {
		r() // late: each slot was already given back, and is not given back twice
	}
	if n := len(tg.roster.slots); n != 0 {
		t.Fatalf("%d slots still taken after every push released", n)
	}
	// Every slot is free again, and a full roster blocks the next.
	for range pushSlots {
		r, err := tg.takeSlot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer r()
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := tg.takeSlot(cctx); err == nil {
		t.Fatalf("a push got a slot while all %d were held", pushSlots)
	}
}

func TestWroteBehind(t *testing.T) {
	var acc int64
	kicks := 0
	for range 100 {
		if wroteBehind(&acc, 1<<20) {
			kicks++
		}
	}
	if kicks != 100/(writeBehindStep>>20) {
		t.Fatalf("%d write-backs for 100 MiB in 1 MiB writes, want one per %d MiB", kicks, writeBehindStep>>20)
	}
	if acc >= writeBehindStep {
		t.Fatalf("%d bytes left pending, more than a step", acc)
	}
}
