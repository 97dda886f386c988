package discovery

import "sync"

// hub fans events out to subscribers. Each subscriber has an unbounded queue
// drained by its own goroutine, so a slow reader never stalls the table and
// never misses the final event of a peer.
type hub struct {
	mu   sync.Mutex // guards subs and next
	subs map[int]*subscriber
	next int
}

type subscriber struct {
	mu     sync.Mutex // guards queue and closed
	queue  []Event
	closed bool
	wake   chan struct{} // capacity 1: "queue is not empty"
	out    chan Event
	done   chan struct{}
}

// subscribe registers a subscriber whose first events are initial.
func (h *hub) subscribe(initial []Event) (<-chan Event, func()) {
	s := &subscriber{
		queue: initial,
		wake:  make(chan struct{}, 1),
		out:   make(chan Event),
		done:  make(chan struct{}),
	}
	s.wake <- struct{}{}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[int]*subscriber{}
	}
	id := h.next
	h.next++
	h.subs[id] = s
	h.mu.Unlock()
	go s.pump()
	var once sync.Once
	return s.out, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, id)
			h.mu.Unlock()
			close(s.done)
		})
	}
}

func (h *hub) publish(evs []Event) {
	if len(evs) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.subs {
		s.mu.Lock()
		s.queue = append(s.queue, evs...)
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// closeAll ends every subscription: their channels close once drained.
func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, s := range h.subs {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
		delete(h.subs, id)
	}
}

func (s *subscriber) pump() {
	defer close(s.out)
	for {
		select {
		case <-s.wake:
		case <-s.done:
			return
		}
		for {
			s.mu.Lock()
			if len(s.queue) == 0 {
				closed := s.closed
				s.mu.Unlock()
				if closed {
					return
				}
				break
			}
			ev := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
			select {
			case s.out <- ev:
			case <-s.done:
				return
			}
		}
	}
}
