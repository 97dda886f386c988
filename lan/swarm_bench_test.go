package lan

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSwarmBench is the swarm's benchmark (make swarm-bench): for each
// receiver count, on a switched LAN of links shaped both ways, the time
// to one receiver (the ceiling), to all of them with the swarm, and to
// all of them with one direct transfer each (--no-swarm, the naive
// figure), in the same run and alternating, medians of LEMPAR_SWARM_RUNS;
// with the sender's uplink (at its switch port) as a multiple of the file
// and peak RSS (VmHWM) per process. It reports against the targets and
// fails only when a copy is wrong: figures on a shared machine are for
// reading, not for a verdict. CPU is the seconds (user+system) the sender
// and the receivers used during the send, and per wall second: near the
// host's core count, a run is short of CPU rather than of link (marked
// "host CPU-bound"); LEMPAR_SWARM_RATE (make swarm-bench SWARM_RATE=…)
// lowers the links' rate until it is not.
//
//	LEMPAR_SWARM_BENCH=1        run it
//	LEMPAR_SWARM_N=8,30         receiver counts
//	LEMPAR_SWARM_SIZE=64MiB     the file
//	LEMPAR_SWARM_RUNS=3         runs of each send
//	LEMPAR_SWARM_RATE=100mbit   every link, each way
//	LEMPAR_SWARM_NAIVE=0        skip the --no-swarm sends (long at low rates)
func TestSwarmBench(t *testing.T) {
	requireSuite(t)
	if os.Getenv("LEMPAR_SWARM_BENCH") != "1" {
		t.Skip("skipping: the swarm benchmark runs with LEMPAR_SWARM_BENCH=1 (make swarm-bench)")
	}
	size := envSize(t, "LEMPAR_SWARM_SIZE", 64<<20)
	runs := envInt(t, "LEMPAR_SWARM_RUNS", 3)
	rate := os.Getenv("LEMPAR_SWARM_RATE")
	if rate == "" {
		rate = swarmRate
	}
	counts := []int{8, 30}
	if v := os.Getenv("LEMPAR_SWARM_N"); v != "" {
		counts = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 2 || n > 200 {
				t.Fatalf("LEMPAR_SWARM_N: want receiver counts from 2 to 200, e.g. 8,30; got %q", v)
			}
			counts = append(counts, n)
		}
	}
	swarm := swarmSupported(t)
	var report []string
	for _, n := range counts {
		report = append(report, benchSwarm(t, n, size, runs, rate, swarm)...)
	}
	t.Log("FIGURE swarm benchmark\n" + strings.Join(report, "\n"))
}

// benchSwarm measures n receivers and returns the report's lines.
func benchSwarm(t *testing.T, n int, size int64, runs int, rate string, swarm bool) []string {
	r := newSwarmRig(t, n, 0, size, rate)
	r.distinct = true
	var one, all, naive []sendResult
	for i := range runs {
		// Alternating the order spreads the machine's drift over all three.
		steps := []func(){
			func() { one = append(one, r.send(r.rx[:1]).finish(10*time.Minute)) },
			func() {
				if swarm {
					all = append(all, r.send(r.rx).finish(30*time.Minute))
				}
			},
			func() {
				if os.Getenv("LEMPAR_SWARM_NAIVE") == "0" {
					return
				}
				var extra []string
				if swarm {
					extra = []string{"--no-swarm"}
				}
				naive = append(naive, r.send(r.rx, extra...).finish(60*time.Minute))
			},
		}
		if i%2 == 1 {
			slices.Reverse(steps)
		}
		for _, step := range steps {
			step()
		}
		line := fmt.Sprintf("run %d: one %.2f s", i+1, one[i].wall.Seconds())
		if len(naive) > i {
			line += fmt.Sprintf(", naive %.2f s", naive[i].wall.Seconds())
		}
		if swarm {
			line += fmt.Sprintf(", swarm %.2f s", all[i].wall.Seconds())
		}
		t.Logf("%d receivers %s", n, line)
	}
	ceiling := medianOf(one, func(s sendResult) float64 { return s.wall.Seconds() })
	lines := []string{fmt.Sprintf("%d receivers, %d MiB, links %s each way, medians of %d:", n, size>>20, rate, runs)}
	row := func(name string, rs []sendResult, target, upTarget float64) {
		wall := medianOf(rs, func(s sendResult) float64 { return s.wall.Seconds() })
		up := medianOf(rs, func(s sendResult) float64 { return float64(s.uplink) / float64(size) })
		tx := slices.MaxFunc(rs, func(a, b sendResult) int { return int(a.senderHWM - b.senderHWM) }).senderHWM
		rx := slices.MaxFunc(rs, func(a, b sendResult) int { return int(a.rxHWM - b.rxHWM) }).rxHWM
		unfinished := 0
		for _, r := range rs {
			unfinished += r.unfinished
		}
		verdict := ""
		if unfinished > 0 {
			verdict = fmt.Sprintf("  (%d transfers placed the file but did not end as done)", unfinished)
		}
		if target > 0 {
			verdict += fmt.Sprintf("  target ≤ %.1f× and uplink ≤ %.1f×: %s", target, upTarget, met(wall/ceiling <= target && up <= upTarget))
		}
		cpu := medianOf(rs, func(s sendResult) float64 { return s.cpu })
		// CPU seconds per wall second of all the processes: near the
		// host's core count, the emulation host (not the links) set the
		// pace, and the ratio says little about a room of laptops.
		load := cpu / wall
		host := ""
		if load >= 0.8*float64(runtime.NumCPU()) {
			host = fmt.Sprintf("  (host CPU-bound: %.1f of %d cores)", load, runtime.NumCPU())
		}
		lines = append(lines, fmt.Sprintf("  %-22s %7.2f s  %5.2f×  uplink %5.2f× the file  CPU %6.1f s = %4.2f CPU-s/s  peak RSS sender %5.1f MiB, receivers ≤ %5.1f MiB%s%s",
			name, wall, wall/ceiling, up, cpu, load, mib(tx), mib(rx), host, verdict))
	}
	row("one receiver (ceiling)", one, 0, 0)
	if swarm {
		target := 1.3
		if n > 8 {
			target = 1.5
		}
		row(fmt.Sprintf("swarm, all %d", n), all, target, 1.5)
	} else {
		lines = append(lines, "  swarm                  not in this lempar-cli (send has no --no-swarm)")
	}
	if len(naive) > 0 {
		row(fmt.Sprintf("naive, all %d", n), naive, 0, 0)
	}
	return lines
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// medianOf is the median of f over rs.
func medianOf(rs []sendResult, f func(sendResult) float64) float64 {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	return median(xs)
}
