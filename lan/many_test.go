package lan

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// TestEightSenders: eight devices send to one receiver at once, through
// the receiver's 300 Mbit/s link (one access point, one bottleneck). All
// must complete, together as fast as 0.85 of one device sending the same
// eight files, and the receiver's memory must stay bounded.
func TestEightSenders(t *testing.T) {
	requireSuite(t)
	const senders = 8
	const per = 64 << 20
	rounds := envInt(t, "LEMPAR_LAN_MANY_RUNS", 2)
	rate := os.Getenv("LEMPAR_LAN_MANY_RATE") // "" = 300mbit; "none" = unshaped
	if rate == "" {
		rate = "300mbit"
	}
	l := netns.New(t, senders+1)
	rxHost := senders
	if rate != "none" {
		shapeToHost(t, l, rxHost, rate)
	}

	tmp := t.TempDir()
	srcs := make([]string, senders)
	sums := map[string]string{}
	for i := range senders {
		srcs[i] = filepath.Join(tmp, "src", fmt.Sprintf("part-%d.bin", i))
		sums[filepath.Base(srcs[i])] = writeData(t, srcs[i], per, uint64(100+i))
	}
	dl := filepath.Join(tmp, "dl")
	rx := startReceiver(t, l, rxHost, dl, nil, "--yes")
	idle := procStatus(t, rx.Pid, "VmHWM")
	cfgs := make([]string, senders)
	for i := range cfgs {
		cfgs[i] = filepath.Join(tmp, fmt.Sprintf("tx%d", i))
	}

	var single, many []float64
	var hwmSingle int64
	check := func(from, want int) {
		t.Helper()
		done := 0
		for done < want {
			var e testproc.Event
			from, e = rx.WaitFrom(from, time.Minute, "receiver final events", testproc.Event.Final)
			from++
			if e.Str("state") != "done" {
				t.Fatalf("receiver: %v", e)
			}
			done++
		}
		for name, sum := range sums {
			p := filepath.Join(dl, name)
			if h := fileHash(p); h != sum {
				t.Fatalf("%s differs after the transfer (sha256 %q)", name, h)
			}
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}
		if ps := partials(dl); len(ps) != 0 {
			t.Fatalf("partials left: %v", ps)
		}
	}
	oneDevice := func() float64 {
		resetPeak(t, rx.Pid)
		from := len(rx.Events())
		p := startSend(t, l, 0, cfgs[0], rx.addr, srcs...)
		if code := p.Exit(5 * time.Minute); code != 0 {
			t.Fatalf("single sender: exit %d: %s", code, p.Stderr())
		}
		hwmSingle = max(hwmSingle, procStatus(t, rx.Pid, "VmHWM"))
		check(from, 1)
		return mbps(senders*per, p.Elapsed())
	}
	var hwmMany int64
	allAtOnce := func() float64 {
		resetPeak(t, rx.Pid)
		from := len(rx.Events())
		start := time.Now()
		ps := make([]*testproc.Proc, senders)
		for i := range senders {
			ps[i] = startSend(t, l, i, cfgs[i], rx.addr, srcs[i])
		}
		for i, p := range ps {
			if code := p.Exit(5 * time.Minute); code != 0 {
				fin, _ := p.LastFinal()
				t.Fatalf("sender %d of %d: exit %d, final %v: %s", i+1, senders, code, fin, p.Stderr())
			}
		}
		wall := time.Since(start)
		hwmMany = max(hwmMany, procStatus(t, rx.Pid, "VmHWM"))
		check(from, senders)
		return mbps(senders*per, wall)
	}
	for i := range rounds {
		if i%2 == 0 {
			single = append(single, oneDevice())
			many = append(many, allAtOnce())
		} else {
			many = append(many, allAtOnce())
			single = append(single, oneDevice())
		}
		t.Logf("round %d: one device %.1f MB/s, %d at once %.1f MB/s", i+1, single[i], senders, many[i])
	}
	hwm := hwmMany
	ms, mm := median(single), median(many)
	ratio := mm / ms
	t.Logf("FIGURE %d senders at once (receiver link %s), %d × %d MiB: aggregate %.1f MB/s vs one device %.1f MB/s, ratio %.3f; receiver peak RSS (VmHWM) idle %.1f MiB, one session %.1f MiB, %d sessions %.1f MiB",
		senders, rate, senders, per>>20, mm, ms, ratio, mib(idle), mib(hwmSingle), senders, mib(hwm))
	if ratio < 0.85 {
		t.Errorf("%d senders together reached %.3f of one sender's throughput; want ≥ 0.85", senders, ratio)
	}
	// A session holds a fixed set of 256 KiB buffers (about 2 MiB with
	// TLS and framing) whatever the file size, and Go's collector lets the
	// heap reach twice what is live: 12 MiB per session is well above
	// that and far below buffering files (8 × 64 MiB here).
	if limit := idle + senders*12<<20; hwm > limit {
		t.Errorf("receiver peak RSS %.1f MiB with %d sessions; want ≤ %.1f MiB (idle %.1f MiB + 12 MiB per session)",
			mib(hwm), senders, mib(limit), mib(idle))
	}
}
