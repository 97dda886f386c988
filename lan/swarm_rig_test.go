package lan

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// swarmRig is one sender (host 0) and n receivers (hosts 1..n) on a
// switched LAN shaped both ways, all real lempar-cli processes: receivers
// accept the sender through a trust rule (--accept-from its ID), as a
// classroom's laptops would after "always accept" on the teacher's
// device; the sender runs `lempar-cli send --to … --to …`.
type swarmRig struct {
	t     testing.TB
	l     *netns.LAN
	size  int64
	src   string // the file sent
	sum   string // its SHA-256
	txCfg string // the sender's config dir (its identity)
	txID  string
	rx    []*swarmReceiver // rx[i] runs on host i+1
	// distinct sends each time a hard link of src under a new name, so no
	// send can be taken for the resend of an earlier one (the benchmark:
	// a send right after a swarm send of the same file was once reported
	// by no event on a receiver).
	distinct bool
	sends    int
}

// swarmReceiver is one receiving host: its process, and what a restart
// needs to come back as the same device at the same address.
type swarmReceiver struct {
	*receiver
	host int
	cfg  string
	port string
}

// newSwarmRig builds the LAN, writes a size-byte file and starts n
// receivers (in parallel: starting 30 one after another would cost more
// than the transfer); spare hosts after them are left for the test.
func newSwarmRig(t testing.TB, n, spare int, size int64, rate string) *swarmRig {
	t.Helper()
	r := &swarmRig{t: t, l: switchedLAN(t, 1+n+spare, rate), size: size}
	tmp := t.TempDir()
	r.src = filepath.Join(tmp, "src", "kuliah.bin")
	r.sum = writeData(t, r.src, size, 1500)
	r.txCfg = filepath.Join(tmp, "tx")
	r.txID = deviceID(t, r.l, 0, r.txCfg)
	procs := make([]*testproc.Proc, n)
	for i := range n {
		rx := &swarmReceiver{host: i + 1, cfg: filepath.Join(tmp, fmt.Sprintf("rx%d", i+1)), port: "0"}
		rx.receiver = &receiver{dir: filepath.Join(tmp, fmt.Sprintf("dl%d", i+1))}
		procs[i] = r.startProc(rx)
		r.rx = append(r.rx, rx)
	}
	for i, rx := range r.rx {
		r.listening(rx, procs[i])
	}
	return r
}

func (r *swarmRig) startProc(rx *swarmReceiver) *testproc.Proc {
	args := []string{"--config", rx.cfg, "receive", "--hidden", "--json", "--no-localsend", "--port", rx.port,
		"--dir", rx.dir, "--name", fmt.Sprintf("Lab-%02d", rx.host), "--accept-from", r.txID}
	return run(r.t, r.l, rx.host, nil, nil, the.cli, args...)
}

func (r *swarmRig) listening(rx *swarmReceiver, p *testproc.Proc) {
	r.t.Helper()
	_, ev := p.WaitFrom(0, 30*time.Second, "listening event", func(e testproc.Event) bool { return e.Str("event") == "listening" })
	rx.Proc = p
	rx.port = strconv.FormatInt(ev.Num("port"), 10)
	rx.addr = net.JoinHostPort(r.l.Addr(rx.host).String(), rx.port)
	rx.id = ev.Str("id")
}

// restart starts rx again after a kill: same identity, folder and port, so
// the sender (or the swarm) finds it where it was.
func (r *swarmRig) restart(rx *swarmReceiver) {
	r.t.Helper()
	r.listening(rx, r.startProc(rx))
}

// swarmSupported reports whether the lempar-cli under test has the swarm
// (its send has --no-swarm, the way to turn it off). Until it has, every
// multi-target send is one direct transfer per receiver.
func swarmSupported(t testing.TB) bool {
	t.Helper()
	out, err := exec.Command(the.cli, "send", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("lempar-cli send --help: %v: %s", err, out)
	}
	return strings.Contains(string(out), "--no-swarm")
}

// swarmSend is one `lempar-cli send` in flight to some of the receivers.
type swarmSend struct {
	r       *swarmRig
	p       *testproc.Proc
	targets []*swarmReceiver
	from    map[*swarmReceiver]int // each target's event count at the start
	up0     int64                  // the sender's switch port rx_bytes at the start
	cpu0    map[*swarmReceiver]float64
	down0   map[*swarmReceiver]int64 // each target's switch port tx_bytes at the start
	hwm     *hwmSampler
	src     string // the path sent
}

// send starts the sender; extra flags (e.g. --no-swarm) go before the file.
func (r *swarmRig) send(targets []*swarmReceiver, extra ...string) *swarmSend {
	r.t.Helper()
	s := &swarmSend{r: r, targets: targets, from: map[*swarmReceiver]int{}, cpu0: map[*swarmReceiver]float64{},
		down0: map[*swarmReceiver]int64{},
		up0:   portBytes(r.t, r.l, 0, "rx_bytes")}
	for _, rx := range targets {
		s.from[rx] = len(rx.Events())
		s.cpu0[rx], _ = cpuSeconds(rx.Pid)
		s.down0[rx] = portBytes(r.t, r.l, rx.host, "tx_bytes")
		resetPeak(r.t, rx.Pid)
	}
	args := []string{"--config", r.txCfg, "send", "--json", "--name", "Guru"}
	for _, rx := range targets {
		args = append(args, "--to", rx.addr)
	}
	s.src = r.src
	if r.distinct {
		r.sends++
		s.src = filepath.Join(filepath.Dir(r.src), fmt.Sprintf("kuliah-%d.bin", r.sends))
		if err := os.Link(r.src, s.src); err != nil {
			r.t.Fatal(err)
		}
	}
	args = append(append(args, extra...), s.src)
	s.p = run(r.t, r.l, 0, nil, nil, the.cli, args...)
	s.hwm = sampleHWM(s.p)
	return s
}

// sendResult is what one send measured.
type sendResult struct {
	wall      time.Duration // sender start → the last receiver's final event
	first     time.Duration // sender start → the first receiver's final event
	uplink    int64         // bytes the sender's link carried into the switch
	downlink  int64         // the most bytes the switch delivered to one target
	senderHWM int64         // the sender's peak RSS (sampled)
	rxHWM     int64         // the largest receiver peak RSS
	fromPeers int64         // bytes receivers report from other receivers (receive --json from_peers)
	// CPU seconds (user+system) the sender and all targets used: beside
	// the wall time it tells a link-bound run from one short of CPU.
	cpu float64
	// unfinished counts receivers that placed the file but whose transfer
	// did not end as done (the benchmark reports them; tests fail).
	unfinished int
}

// finish waits for the sender to exit 0 and every target's final event
// "done" (the benchmark only counts a missing one), checks every copy is
// byte-identical (then removes it, so the next send can save under the
// same name) and returns the figures.
func (s *swarmSend) finish(timeout time.Duration) sendResult {
	t := s.r.t
	t.Helper()
	if code := s.p.Exit(timeout); code != 0 {
		t.Fatalf("send exited %d; per target:%s", code, s.senderLast())
	}
	res := sendResult{uplink: portBytes(t, s.r.l, 0, "rx_bytes") - s.up0}
	res.senderHWM, res.cpu = s.hwm.stop()
	for _, rx := range s.targets {
		// The clock stops when the receiver has placed every file (verified,
		// synced, renamed into place); the final event follows at once.
		if !rx.Until(2*time.Minute, func() bool { return s.last(rx, placed).M != nil }) {
			s.awaitFinal(rx, 0) // fails, saying how far it got
			t.Fatalf("host %d: the transfer ended done with no event showing every file in place", rx.host)
		}
		e := s.last(rx, placed)
		if !s.r.distinct {
			s.awaitFinal(rx, time.Minute)
		} else if f := s.awaitFinalSoft(rx, 15*time.Second); f.Str("state") != "done" {
			// The benchmark counts it and goes on: its figures are about
			// the data, and a test covers the final state.
			res.unfinished++
			t.Logf("host %d placed the file but its transfer did not end as done within 15 s: last event state %q, %s",
				rx.host, s.last(rx, isIncoming).Str("state"), s.last(rx, isIncoming).Str("error"))
		}
		if c, ok := cpuSeconds(rx.Pid); ok {
			res.cpu += c - s.cpu0[rx]
		}
		res.downlink = max(res.downlink, portBytes(t, s.r.l, rx.host, "tx_bytes")-s.down0[rx])
		d := e.At.Sub(s.p.Started)
		res.wall = max(res.wall, d)
		if res.first == 0 || d < res.first {
			res.first = d
		}
		res.fromPeers += e.Num("from_peers")
		if os.Getenv("LEMPAR_SWARM_TRACE") == "1" {
			t.Logf("host %d at %.2f s: %v", rx.host, d.Seconds(), e)
		}
		res.rxHWM = max(res.rxHWM, procStatus(t, rx.Pid, "VmHWM"))
		s.r.checkCopy(rx, s.src)
	}
	if os.Getenv("LEMPAR_SWARM_TRACE") == "1" {
		t.Logf("timeline:\n%s", s.timeline())
	}
	return res
}

// awaitFinal is rx's final incoming event of this send, which must be done.
func (s *swarmSend) awaitFinal(rx *swarmReceiver, timeout time.Duration) testproc.Event {
	s.r.t.Helper()
	final := func(e testproc.Event) bool { return e.Final() && e.Str("direction") == "in" }
	if !rx.Until(timeout, func() bool { return s.last(rx, final).M != nil }) {
		evs := rx.Events()
		s.r.t.Fatalf("host %d: no final event within %v; its last progress %v; its last lines %v; the sender's last events: %s",
			rx.host, timeout, s.last(rx, isIncoming), evs[max(len(evs)-3, 0):], s.senderLast())
	}
	e := s.last(rx, final)
	if e.Str("state") != "done" {
		s.r.t.Fatalf("receiver on host %d: %v", rx.host, e)
	}
	return e
}

// awaitFinalSoft is rx's final incoming event of this send, or the zero
// event if none came within timeout.
func (s *swarmSend) awaitFinalSoft(rx *swarmReceiver, timeout time.Duration) testproc.Event {
	final := func(e testproc.Event) bool { return e.Final() && e.Str("direction") == "in" }
	rx.Until(timeout, func() bool { return s.last(rx, final).M != nil })
	return s.last(rx, final)
}

// placed: every file of the transfer is in place.
func placed(e testproc.Event) bool {
	return isIncoming(e) && e.Num("files") > 0 && e.Num("files_done") == e.Num("files")
}

func isIncoming(e testproc.Event) bool {
	return e.Str("event") == "transfer" && e.Str("direction") == "in"
}

// last is rx's latest event of this send that matches (zero if none).
func (s *swarmSend) last(rx *swarmReceiver, match func(testproc.Event) bool) testproc.Event {
	evs := rx.Events()
	for i := len(evs) - 1; i >= s.from[rx]; i-- {
		if match(evs[i]) {
			return evs[i]
		}
	}
	return testproc.Event{}
}

// senderLast is the sender's latest event per target, for failure messages.
func (s *swarmSend) senderLast() string {
	last := map[string]testproc.Event{}
	for _, e := range s.p.Events() {
		last[e.Str("target")] = e
	}
	var b strings.Builder
	for to, e := range last {
		fmt.Fprintf(&b, "\n  %s: state %s, done %d, sent %d %s", to, e.Str("state"), e.Num("done"), e.Num("sent"), e.Str("error"))
	}
	if s.p.Exited() {
		fmt.Fprintf(&b, "\n  (exited %d) %s", s.p.ExitCode(), testproc.Tail(s.p.Stderr(), 600))
	}
	return b.String()
}

// checkCopy fails unless rx saved the file byte-identical and left no
// partial, then removes the copy.
func (r *swarmRig) checkCopy(rx *swarmReceiver, sent string) {
	r.t.Helper()
	p := filepath.Join(rx.dir, filepath.Base(sent))
	if h := fileHash(p); h != r.sum {
		r.t.Fatalf("host %d: %s differs from the file sent (sha256 %q, want %s)", rx.host, p, h, r.sum)
	}
	if ps := partials(rx.dir); len(ps) != 0 {
		r.t.Fatalf("host %d: partials left: %v", rx.host, ps)
	}
	if err := os.Remove(p); err != nil {
		r.t.Fatal(err)
	}
}

// progress is rx's latest incoming done/total of this send (0 before any).
func (s *swarmSend) progress(rx *swarmReceiver) float64 {
	if e := s.last(rx, isIncoming); e.Num("total") > 0 {
		return float64(e.Num("done")) / float64(e.Num("total"))
	}
	return 0
}

// kill SIGKILLs a receiver: no goodbye, no cancel frame, as a laptop whose
// battery dies.
func (rx *swarmReceiver) kill(t testing.TB) {
	t.Helper()
	rx.Signal(syscall.SIGKILL)
	if _, ok := rx.Wait(10 * time.Second); !ok {
		t.Fatalf("host %d's receiver outlived SIGKILL", rx.host)
	}
}

// hwmSampler polls a process's VmHWM and CPU time: the sender exits when
// it is done, taking /proc/PID with it, so they are read while it runs.
type hwmSampler struct {
	mu   sync.Mutex
	peak int64
	cpu  float64
	done chan struct{}
	over chan struct{}
}

func sampleHWM(p *testproc.Proc) *hwmSampler {
	s := &hwmSampler{done: make(chan struct{}), over: make(chan struct{})}
	go func() {
		defer close(s.over)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if v, ok := readHWM(p.Pid); ok {
				s.mu.Lock()
				s.peak = max(s.peak, v)
				s.mu.Unlock()
			}
			if c, ok := cpuSeconds(p.Pid); ok {
				s.mu.Lock()
				s.cpu = max(s.cpu, c)
				s.mu.Unlock()
			}
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the highest VmHWM and CPU time seen.
// Both only grow, so only the last ≤ 50 ms before exit can be missed.
func (s *hwmSampler) stop() (int64, float64) {
	close(s.done)
	<-s.over
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak, s.cpu
}

// cpuSeconds is the user+system CPU time of a running process
// (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s on Linux).
func cpuSeconds(pid int) (float64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces; fields count from ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	k, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return float64(u+k) / 100, true
}

// readHWM is /proc/PID/status's VmHWM in bytes, if the process still runs.
func readHWM(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				return n << 10, true
			}
		}
	}
	return 0, false
}
