package ui

import (
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// throttle turns a stream of transfer updates, which may come hundreds of
// times a second, into at most one redraw per interval. A change of state
// (waiting → sending, or any final state) is drawn at once, so the last
// thing a row shows is always the final event.
type throttle struct {
	every time.Duration
	now   func() time.Time
	after func(time.Duration, func())
	apply func([]TransferInfo) // runs on the UI thread

	mu        sync.Mutex // guards the fields below; held while queueing a redraw so redraws keep their order
	pending   map[string]TransferInfo
	order     []string
	states    map[string]TransferState
	last      time.Time
	scheduled bool
}

func newThrottle(every time.Duration, now func() time.Time, after func(time.Duration, func()), apply func([]TransferInfo)) *throttle {
	return &throttle{
		every: every, now: now, after: after, apply: apply,
		pending: map[string]TransferInfo{},
		states:  map[string]TransferState{},
	}
}

func (t *throttle) put(ti TransferInfo) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.pending[ti.ID]; !ok {
		t.order = append(t.order, ti.ID)
	}
	t.pending[ti.ID] = ti
	changed := t.states[ti.ID] != ti.State
	t.states[ti.ID] = ti.State
	if ti.State.Final() {
		delete(t.states, ti.ID)
	}
	since := t.now().Sub(t.last)
	if changed || since >= t.every {
		t.flushLocked()
		return
	}
	if !t.scheduled {
		t.scheduled = true
		t.after(t.every-since, t.fire)
	}
}

func (t *throttle) fire() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.scheduled = false
	if len(t.pending) > 0 {
		t.flushLocked()
	}
}

func (t *throttle) flushLocked() {
	batch := make([]TransferInfo, 0, len(t.order))
	for _, id := range t.order {
		batch = append(batch, t.pending[id])
	}
	t.pending = map[string]TransferInfo{}
	t.order = t.order[:0]
	t.last = t.now()
	fyne.Do(func() { t.apply(batch) })
}
