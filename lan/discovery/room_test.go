//go:build linux

package discovery

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// A room is a classroom on the namespace LAN: n receivers (`lempar-cli
// receive`, default settings, LocalSend on) on hosts 0..n-1 and watchers
// (`peers --watch`) on the hosts after them. Its traffic is counted where a
// switch would see it: packets that came in on the bridge's ports.

type room struct {
	t        *testing.T
	l        *netns.LAN
	devs     []*device
	procs    []*testproc.Proc
	n        int       // receivers planned: hosts 0..n-1
	started  time.Time // the first receiver's start
	watchers int       // hosts after the receivers used so far
}

// newRoom builds a LAN of n receivers and spare hosts for watchers, with
// the multicast counter on the switch.
func newRoom(t *testing.T, n, spare int) *room {
	neighbourRoom(t, (n+spare)*(n+spare+8))
	r := &room{t: t, n: n, l: netns.New(t, n+spare)}
	countMulticast(t, r.l)
	return r
}

// neighbourRoom makes sure the kernel's neighbour tables (ARP and IPv6
// neighbour discovery) hold want entries, and puts the limits back when
// the test ends. The tables are shared by every network namespace, with a
// default hard limit of 1024: a LAN of 40 hosts that each talk to all the
// others needs about 1,700, and past the limit sends fail with ENOBUFS
// ("neighbor table overflow"), multicast included, so the room falls
// apart for reasons that have nothing to do with Lempar.
func neighbourRoom(t *testing.T, want int) {
	t.Helper()
	for _, fam := range []string{"ipv4", "ipv6"} {
		for _, k := range []string{"gc_thresh2", "gc_thresh3"} {
			p := filepath.Join("/proc/sys/net", fam, "neigh/default", k)
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			old := strings.TrimSpace(string(b))
			cur, _ := strconv.Atoi(old)
			need := want
			if k == "gc_thresh3" {
				need = 2 * want
			}
			if cur >= need {
				continue
			}
			if err := os.WriteFile(p, []byte(strconv.Itoa(need)), 0o644); err != nil {
				t.Logf("neighbour table limit %s stays %s: %v", p, old, err)
				continue
			}
			t.Cleanup(func() { _ = os.WriteFile(p, []byte(old), 0o644) })
		}
	}
}

// start starts receivers 0..n-1 together and waits until all listen.
func (r *room) start(n int) {
	t := r.t
	t.Helper()
	for i := range n {
		d := newDevice(t, fmt.Sprintf("Desk %02d", i))
		r.devs = append(r.devs, d)
		args := []string{"--config", d.config, "receive", "--json", "--yes", "--name", d.name, "--dir", d.downloads}
		p := run(t, r.l, i, d.name, args...)
		if i == 0 {
			r.started = p.Started
		}
		r.procs = append(r.procs, p)
	}
	for i, p := range r.procs {
		ev := p.Next(30*time.Second, r.devs[i].name+" listening", func(e testproc.Event) bool { return e.M["event"] == "listening" })
		r.devs[i].id = ev.Str("id")
	}
}

// watch starts a watcher on the next spare host.
func (r *room) watch() *testproc.Proc {
	h := r.n + r.watchers
	r.watchers++
	return watch(r.t, r.l, h)
}

// listedAll waits until w has listed every receiver still in want (IDs) and
// returns when the last one came.
func listedAll(t *testing.T, w *testproc.Proc, want map[string]bool, timeout time.Duration) time.Time {
	t.Helper()
	last, n := listed(w, want, timeout)
	if n < len(want) {
		t.Fatalf("watcher listed %d of %d within %v", n, len(want), timeout)
	}
	return last
}

// listed waits until w has listed every receiver in want (IDs) or timeout
// passes, and returns when the last one came and how many it listed.
func listed(w *testproc.Proc, want map[string]bool, timeout time.Duration) (time.Time, int) {
	seen := map[string]bool{}
	var last time.Time
	ok := w.Until(timeout, func() bool {
		for _, e := range w.Events() {
			if id, _ := e.M["id"].(string); want[id] && e.M["event"] == "seen" && !seen[id] {
				seen[id] = true
				last = e.At
			}
		}
		return len(seen) == len(want)
	})
	if !ok {
		return last, len(seen)
	}
	return last, len(seen)
}

func (r *room) ids() map[string]bool {
	m := map[string]bool{}
	for _, d := range r.devs {
		m[d.id] = true
	}
	return m
}

// traffic is what came into the switch: every packet, and the multicast
// ones among them.
type traffic struct {
	at        time.Time
	total, mc uint64
}

func (r *room) traffic() traffic {
	r.t.Helper()
	tr := traffic{at: time.Now()}
	out, err := exec.Command("ip", "-n", r.l.Switch(), "-s", "-j", "link", "show").Output()
	if err != nil {
		r.t.Fatalf("switch statistics: %v", err)
	}
	var links []struct {
		Name  string `json:"ifname"`
		Stats struct {
			RX struct {
				Packets uint64 `json:"packets"`
			} `json:"rx"`
		} `json:"stats64"`
	}
	if err := json.Unmarshal(out, &links); err != nil {
		r.t.Fatalf("switch statistics: %v", err)
	}
	for _, l := range links {
		if strings.HasPrefix(l.Name, "p") {
			tr.total += l.Stats.RX.Packets
		}
	}
	tr.mc = nftCount(r.t, r.l, "mcast")
	return tr
}

// rate is packets per second between two readings.
func rate(a, b traffic) (total, mc, uc float64) {
	s := b.at.Sub(a.at).Seconds()
	total = float64(b.total-a.total) / s
	mc = float64(b.mc-a.mc) / s
	return total, mc, total - mc
}

// countMulticast adds a counter of multicast frames entering the bridge
// (the ports' own statistics don't count multicast for veth).
func countMulticast(t *testing.T, l *netns.LAN) {
	t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("skipping: nft (Debian package nftables) is not installed")
	}
	// Besides the multicast count, a breakdown by kind for the
	// benchmark's log: mDNS, LocalSend datagrams, LocalSend HTTPS, other
	// TCP (Lempar's probes and engine).
	const rules = `table bridge lemparcount {
	counter mcast { }
	counter mdns { }
	counter lsudp { }
	counter lstcp { }
	counter othertcp { }
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 counter name mcast
		udp dport 5353 counter name mdns
		udp dport 53317 counter name lsudp
		tcp dport 53317 counter name lstcp
		tcp sport 53317 counter name lstcp
		meta l4proto tcp tcp dport != 53317 tcp sport != 53317 counter name othertcp
	}
}
`
	cmd := exec.Command("ip", "netns", "exec", l.Switch(), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
}

// kinds is the breakdown of the counters since a reading.
func (r *room) kinds(since map[string]uint64) map[string]uint64 {
	out := map[string]uint64{}
	for _, k := range []string{"mdns", "lsudp", "lstcp", "othertcp"} {
		out[k] = nftCount(r.t, r.l, k) - since[k]
	}
	return out
}

func nftCount(t *testing.T, l *netns.LAN, name string) uint64 {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", l.Switch(), "nft", "-j", "list", "counter", "bridge", "lemparcount", name).Output()
	if err != nil {
		t.Fatalf("nft counter: %v", err)
	}
	var v struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("nft counter: %v", err)
	}
	for _, o := range v.Nftables {
		if raw, ok := o["counter"]; ok {
			var c struct {
				Packets uint64 `json:"packets"`
			}
			_ = json.Unmarshal(raw, &c)
			return c.Packets
		}
	}
	t.Fatalf("nft counter: none in %s", out)
	return 0
}

// cpuTime is the CPU time process pid has used, to the nanosecond: the sum
// of its threads' run time (/proc/PID/task/*/schedstat, first field).
// /proc/PID/stat counts in 10 ms ticks, and an idle device uses about ten
// of them in the bench's 30 s: too coarse to compare a Lempar device with a
// bare one. (A thread that exited takes its time with it; Go's don't.)
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	tasks, err := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "schedstat"))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("cpu time of %d: no threads (%v)", pid, err)
	}
	var sum time.Duration
	for _, p := range tasks {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread just exited
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			t.Fatalf("cpu time: %s: %q", p, b)
		}
		sum += time.Duration(ns)
	}
	return sum
}

func (r *room) cpu() []time.Duration {
	pids := make([]int, len(r.procs))
	for i, p := range r.procs {
		pids[i] = p.Pid
	}
	return cpuTimes(r.t, pids)
}

// cpuTimes is each process's CPU time so far.
func cpuTimes(t *testing.T, pids []int) []time.Duration {
	out := make([]time.Duration, len(pids))
	for i, pid := range pids {
		out[i] = cpuTime(t, pid)
	}
	return out
}

// medianShare is the median process's CPU share of a core between two
// readings (cpuTimes) taken over wall time.
func medianShare(before, after []time.Duration, wall time.Duration) float64 {
	used := make([]time.Duration, len(before))
	for i := range before {
		used[i] = after[i] - before[i]
	}
	return float64(median(used)) / float64(wall)
}

// idle measures the room for d: packets into the switch per second (all,
// multicast, unicast) and the median CPU share of a receiver.
func (r *room) idle(d time.Duration) (total, mc, uc, cpuShare float64) {
	a, c0, k0 := r.traffic(), r.cpu(), r.kinds(nil)
	// Idle traffic is measured over wall time: nothing to wait for.
	time.Sleep(d)
	b, c1 := r.traffic(), r.cpu()
	r.t.Logf("idle %v, packets by kind: %v", d, r.kinds(k0))
	total, mc, uc = rate(a, b)
	return total, mc, uc, medianShare(c0, c1, b.at.Sub(a.at))
}

// lose stops receiver i with sig and returns how long until w reports it
// lost.
func (r *room) lose(w *testproc.Proc, i int, sig syscall.Signal, limit time.Duration) time.Duration {
	r.t.Helper()
	from := len(w.Events())
	sent := r.procs[i].Signal(sig)
	_, e := w.WaitFrom(from, limit, fmt.Sprintf("%s lost after %v", r.devs[i].name, sig), event("lost", r.devs[i].id))
	return e.At.Sub(sent)
}

// loseOr is lose for the benchmark: -1 when w didn't report the loss
// within limit.
func (r *room) loseOr(w *testproc.Proc, i int, sig syscall.Signal, limit time.Duration) time.Duration {
	from := len(w.Events())
	sent := r.procs[i].Signal(sig)
	var at time.Time
	w.Until(limit, func() bool {
		evs := w.Events()
		for _, e := range evs[min(from, len(evs)):] {
			if event("lost", r.devs[i].id)(e) {
				at = e.At
				return true
			}
		}
		return false
	})
	if at.IsZero() {
		return -1
	}
	return at.Sub(sent)
}
