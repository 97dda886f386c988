package localsend

import (
	"sync"
	"time"

	"github.com/lempar/lempar/transfer"
)

// progress turns byte counts into transfer.Events the way the Lempar engine
// does: a state change is always emitted, progress at most every
// transfer.ProgressInterval, the final state once and last.
type progress struct {
	emit func(transfer.Event)

	mu       sync.Mutex // guards everything below; emit runs under it to keep order
	ev       transfer.Event
	last     time.Time
	rateAt   time.Time
	rateDone int64
	final    bool
}

func newProgress(ev transfer.Event, emit func(transfer.Event)) *progress {
	if emit == nil {
		emit = func(transfer.Event) {}
	}
	return &progress{emit: emit, ev: ev, rateAt: time.Now()}
}

func (p *progress) update(f func(*transfer.Event)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.final {
		return
	}
	before := p.ev.State
	f(&p.ev)
	now := time.Now()
	if dt := now.Sub(p.rateAt); dt >= transfer.ProgressInterval {
		inst := float64(p.ev.Done-p.rateDone) / dt.Seconds()
		if p.ev.Rate == 0 {
			p.ev.Rate = inst
		} else {
			a := min(1, dt.Seconds()) // ~1 s time constant, as the engine
			p.ev.Rate = (1-a)*p.ev.Rate + a*inst
		}
		p.rateAt, p.rateDone = now, p.ev.Done
		if p.ev.Rate > 1 {
			p.ev.ETA = time.Duration(float64(p.ev.Total-p.ev.Done) / p.ev.Rate * float64(time.Second))
		}
	}
	if p.ev.State == before && !p.ev.State.Final() && now.Sub(p.last) < transfer.ProgressInterval {
		return
	}
	p.last = now
	p.final = p.ev.State.Final()
	ev := p.ev
	ev.Saved = append([]string(nil), p.ev.Saved...)
	ev.Texts = append([]string(nil), p.ev.Texts...)
	if p.final {
		ev.ETA = 0
	}
	p.emit(ev)
}

func (p *progress) finish(state transfer.State, err error) {
	p.update(func(e *transfer.Event) { e.State, e.Err = state, err })
}

func (p *progress) snapshot() transfer.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ev
}
