package lan

import (
	"fmt"
	"strings"
	"time"
)

// timeline says, for a swarm send, when the sender had sent the file once
// (its uplink's share done) and when each receiver held a quarter, half,
// three quarters and all of it, from their progress events: where the
// time between the sender's last byte and the last receiver's went
// (LEMPAR_SWARM_TRACE=1).
func (s *swarmSend) timeline() string {
	var b strings.Builder
	at := func(t time.Time) string {
		if t.IsZero() {
			return "   -  "
		}
		return fmt.Sprintf("%5.2fs", t.Sub(s.p.Started).Seconds())
	}
	sent := map[string]int64{}
	var once time.Time
	for _, e := range s.p.Events() {
		if e.Str("event") != "transfer" {
			continue
		}
		sent[e.Str("target")] = e.Num("sent")
		var sum int64
		for _, v := range sent {
			sum += v
		}
		if once.IsZero() && sum >= s.r.size {
			once = e.At
		}
	}
	fmt.Fprintf(&b, "sender: the file sent once at %s\n", at(once))
	for _, rx := range s.targets {
		var marks [4]time.Time
		evs := rx.Events()
		for _, e := range evs[s.from[rx]:] {
			if !isIncoming(e) || e.Num("total") == 0 {
				continue
			}
			f := float64(e.Num("done")) / float64(e.Num("total"))
			for i := range marks {
				if marks[i].IsZero() && f >= float64(i+1)/4 {
					marks[i] = e.At
				}
			}
		}
		fmt.Fprintf(&b, "host %2d: 25%% %s  50%% %s  75%% %s  100%% %s\n", rx.host, at(marks[0]), at(marks[1]), at(marks[2]), at(marks[3]))
	}
	return b.String()
}
