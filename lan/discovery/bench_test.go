//go:build linux

package discovery

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDiscoveryBench is `make discovery-bench` (issue 17's table): rooms of
// 10, 20 and 40 receivers started at once, three times each, medians. It
// takes about 2 minutes per room and is not part of `go test ./...`.
//
//	LEMPAR_DISCOVERY_BENCH=1        run it
//	LEMPAR_DISCOVERY_BENCH_SIZES    rooms, default 10,20,40
//	LEMPAR_DISCOVERY_BENCH_RUNS     runs per room, default 3
func TestDiscoveryBench(t *testing.T) {
	if os.Getenv("LEMPAR_DISCOVERY_BENCH") == "" {
		t.Skip("skipping: the discovery benchmark runs with LEMPAR_DISCOVERY_BENCH=1 (make discovery-bench)")
	}
	sizes := []int{10, 20, 40}
	if s := os.Getenv("LEMPAR_DISCOVERY_BENCH_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 3 {
				t.Fatalf("LEMPAR_DISCOVERY_BENCH_SIZES: %q", s)
			}
			sizes = append(sizes, n)
		}
	}
	runs := 3
	if s := os.Getenv("LEMPAR_DISCOVERY_BENCH_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	var rows []string
	for _, n := range sizes {
		var res []benchResult
		for i := range runs {
			var r benchResult
			t.Run(fmt.Sprintf("%d-devices-run%d", n, i+1), func(t *testing.T) { r = benchRoom(t, n) })
			t.Logf("%d devices, run %d: %+v", n, i+1, r)
			res = append(res, r)
		}
		rows = append(rows, medianRow(n, res))
	}
	table := "| devices | start → all listed | peak packets/s (first 10 s) | packets/s, seconds 5–10 | idle packets/s (multicast + unicast) | CPU per idle device | beside bare mDNS devices: Lempar / bare | join → all listed | SIGTERM → gone | SIGKILL → gone |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n" + strings.Join(rows, "\n")
	fmt.Println(table)
	t.Log("\n" + table)
}

// benchResult is one room's figures; a time is -1 when it didn't happen
// within the bench's limit (listed and joined count how many were).
type benchResult struct {
	listed, join, bye, crash time.Duration
	nListed, nJoined         int
	peak, settled            float64 // packets/s: the busiest second of the first 10, and seconds 5-10
	total, mc, uc, cpu       float64
	beside, bare             float64 // CPU share of a Lempar device and of a bare mDNS device, same seconds
}

// bareDevices is how many bare mDNS devices (bare_test.go) measure the
// floor under a Lempar device's idle CPU.
const bareDevices = 3

// benchRoom: a watcher, then n receivers at once; idle traffic over seconds
// 60–90; bare mDNS devices join and both kinds' CPU is taken over the next
// 30 s; a second watcher joining; one receiver quitting, one killed.
func benchRoom(t *testing.T, n int) benchResult {
	r := newRoom(t, n, 2+bareDevices)
	k0 := r.kinds(nil)
	w := r.watch()
	stop := make(chan struct{})
	peakc := make(chan [2]float64, 1)
	go func() { p, s := r.peak(stop, 10*time.Second); peakc <- [2]float64{p, s} }()
	r.start(n)
	var res benchResult
	last, got := listed(w, r.ids(), 30*time.Second)
	res.listed, res.nListed = last.Sub(r.started), got
	if got < n {
		res.listed = -1
	}
	close(stop)
	ps := <-peakc
	res.peak, res.settled = ps[0], ps[1]
	t.Logf("first 10 s, packets by kind: %v", r.kinds(k0))
	if d := time.Until(r.started.Add(time.Minute)); d > 0 {
		time.Sleep(d) // the first minute is the room settling; idle is after it
	}
	res.total, res.mc, res.uc, res.cpu = r.idle(30 * time.Second)
	res.beside, res.bare = r.floor(n+2, 30*time.Second)
	w2 := r.watch()
	last, got = listed(w2, r.ids(), 30*time.Second)
	res.join, res.nJoined = last.Sub(w2.Started), got
	if got < n {
		res.join = -1
	}
	res.bye = r.loseOr(w, n-1, syscall.SIGTERM, 10*time.Second)
	res.crash = r.loseOr(w, n-2, syscall.SIGKILL, 30*time.Second)
	return res
}

// peak samples the switch every 250 ms for limit and returns the most
// packets seen in any one second, and the rate over its second half.
func (r *room) peak(stop <-chan struct{}, limit time.Duration) (float64, float64) {
	var samples []traffic
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	end := time.After(limit)
	samples = append(samples, r.traffic())
	for {
		select {
		case <-tick.C:
			samples = append(samples, r.traffic())
			continue
		case <-stop:
		case <-end:
		}
		break
	}
	// Keep sampling to the limit even after stop, so late bursts count.
	for time.Since(samples[0].at) < limit {
		<-tick.C
		samples = append(samples, r.traffic())
	}
	best, settled := 0.0, 0.0
	last := samples[len(samples)-1]
	for _, s := range samples {
		if s.at.Sub(samples[0].at) >= limit/2 && last.at.After(s.at) {
			settled = float64(last.total-s.total) / last.at.Sub(s.at).Seconds()
			break
		}
	}
	for i := range samples {
		for j := i + 1; j < len(samples); j++ {
			if samples[j].at.Sub(samples[i].at) >= time.Second {
				best = max(best, float64(samples[j].total-samples[i].total)/samples[j].at.Sub(samples[i].at).Seconds())
				break
			}
		}
	}
	return best, settled
}

func medianRow(n int, res []benchResult) string {
	// A time that didn't happen counts as longer than any that did.
	md := func(f func(benchResult) time.Duration) string {
		var ds []time.Duration
		for _, r := range res {
			d := f(r)
			if d < 0 {
				d = time.Hour
			}
			ds = append(ds, d)
		}
		if m := median(ds); m < time.Hour {
			return m.Round(10 * time.Millisecond).String()
		}
		return "not within 30 s"
	}
	mf := func(f func(benchResult) float64) float64 {
		var v []float64
		for _, r := range res {
			v = append(v, f(r))
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return fmt.Sprintf("| %d | %s | %.0f | %.0f | %.1f (%.1f + %.1f) | %.2f%% | %.2f%% / %.2f%% (%s) | %s | %s | %s |", n,
		md(func(r benchResult) time.Duration { return r.listed }),
		mf(func(r benchResult) float64 { return r.peak }),
		mf(func(r benchResult) float64 { return r.settled }),
		mf(func(r benchResult) float64 { return r.total }),
		mf(func(r benchResult) float64 { return r.mc }),
		mf(func(r benchResult) float64 { return r.uc }),
		100*mf(func(r benchResult) float64 { return r.cpu }),
		100*mf(func(r benchResult) float64 { return r.beside }),
		100*mf(func(r benchResult) float64 { return r.bare }),
		ratio(mf(func(r benchResult) float64 { return r.beside }), mf(func(r benchResult) float64 { return r.bare })),
		md(func(r benchResult) time.Duration { return r.join }),
		md(func(r benchResult) time.Duration { return r.bye }),
		md(func(r benchResult) time.Duration { return r.crash }))
}

// floor starts the bare mDNS devices on hosts from first on, lets a
// heartbeat round pass, and returns the median CPU share of a Lempar
// receiver and of a bare device over the same d.
func (r *room) floor(first int, d time.Duration) (lempar, bare float64) {
	pids := r.startBare(first, bareDevices)
	time.Sleep(5 * time.Second) // every bare device has announced; nothing to wait on
	start := time.Now()
	l0, b0 := r.cpu(), cpuTimes(r.t, pids)
	time.Sleep(d)
	l1, b1 := r.cpu(), cpuTimes(r.t, pids)
	took := time.Since(start)
	return medianShare(l0, l1, took), medianShare(b0, b1, took)
}

// ratio is a/b as "2.2×"; a bare device's CPU can round to nothing in a
// small room (/proc counts it in 10 ms ticks), and then there is no ratio.
func ratio(a, b float64) string {
	if b <= 0 {
		return "bare below 10 ms"
	}
	return fmt.Sprintf("%.1f×", a/b)
}
