package desktop

import (
	"sync"

	"github.com/lempar/lempar/ui"
)

// dispatcher delivers events to subscribers in order, from one goroutine,
// without ever blocking the engine that produced them: the queue grows
// instead (progress is throttled at the source, so it stays small).
type dispatcher struct {
	mu     sync.Mutex // guards queue, subs, nextID
	queue  []ui.Event
	subs   map[int]func(ui.Event)
	nextID int
	wake   chan struct{} // capacity 1
	// deliver is held while calling subscribers, so a replay and live
	// events never reach one subscriber at the same time.
	deliver sync.Mutex
}

func newDispatcher() *dispatcher {
	d := &dispatcher{subs: map[int]func(ui.Event){}, wake: make(chan struct{}, 1)}
	go d.loop()
	return d
}

func (d *dispatcher) emit(e ui.Event) {
	d.mu.Lock()
	d.queue = append(d.queue, e)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// subscribe adds fn; replay runs first, on the dispatcher goroutine, so fn
// sees the current state before any later change.
func (d *dispatcher) subscribe(fn func(ui.Event), replay func() []ui.Event) func() {
	d.deliver.Lock()
	defer d.deliver.Unlock()
	d.mu.Lock()
	id := d.nextID
	d.nextID++
	first := replay()
	d.subs[id] = fn
	d.mu.Unlock()
	for _, e := range first {
		fn(e)
	}
	return func() {
		d.mu.Lock()
		delete(d.subs, id)
		d.mu.Unlock()
	}
}

func (d *dispatcher) loop() {
	for range d.wake {
		for {
			d.mu.Lock()
			if len(d.queue) == 0 {
				d.mu.Unlock()
				break
			}
			e := d.queue[0]
			d.queue = d.queue[1:]
			subs := make([]func(ui.Event), 0, len(d.subs))
			for _, s := range d.subs {
				subs = append(subs, s)
			}
			d.mu.Unlock()
			d.deliver.Lock()
			for _, s := range subs {
				s(e)
			}
			d.deliver.Unlock()
		}
	}
}
