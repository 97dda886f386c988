package ui

import (
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// NewSerial builds the window like New, but nothing it does runs on a
// goroutine of its own: backend events, timers and background work are
// queued, and the returned step runs what is queued so far on the caller's
// goroutine. It is for tests that drive the real window against a real
// backend with Fyne's test driver, whose fyne.Do runs in place (so events
// arriving on the backend's goroutine would race with the test).
func NewSerial(a fyne.App, b Backend) (g *GUI, step func()) {
	q := &serialQueue{}
	opt := defaultOptions()
	opt.after = func(d time.Duration, f func()) { time.AfterFunc(d, func() { q.push(f) }) }
	opt.background = func(work func() func()) {
		q.push(func() {
			if then := work(); then != nil {
				then()
			}
		})
	}
	return newGUI(a, serialBackend{Backend: b, q: q}, opt), q.run
}

type serialQueue struct {
	mu    sync.Mutex
	queue []func()
}

func (q *serialQueue) push(f func()) {
	q.mu.Lock()
	q.queue = append(q.queue, f)
	q.mu.Unlock()
}

// run calls what is queued, in order, including what that queues.
func (q *serialQueue) run() {
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.mu.Unlock()
			return
		}
		f := q.queue[0]
		q.queue = q.queue[1:]
		q.mu.Unlock()
		f()
	}
}

// serialBackend queues the backend's events instead of delivering them on
// its goroutine.
type serialBackend struct {
	Backend
	q *serialQueue
}

func (s serialBackend) Subscribe(fn func(Event)) func() {
	return s.Backend.Subscribe(func(e Event) { s.q.push(func() { fn(e) }) })
}
