package discovery

import "time"

// Clock is the time source of a Service. Tests of the timing rules drive the
// peer table with explicit times instead; a Clock lets a whole Service run
// against a fake one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
