package lan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
)

// event is one --json line of a lempar-cli process, with when it arrived.
type event struct {
	m  map[string]any
	at time.Time
}

func (e event) str(k string) string { s, _ := e.m[k].(string); return s }

func (e event) num(k string) int64 { f, _ := e.m[k].(float64); return int64(f) }

func (e event) final() bool {
	if e.str("event") != "transfer" {
		return false
	}
	switch e.str("state") {
	case "done", "declined", "cancelled", "failed":
		return true
	}
	return false
}

func (e event) String() string { b, _ := json.Marshal(e.m); return string(b) }

// proc is a program running on a LAN host. Its stdout lines are kept as
// events; waits poll them with a deadline.
type proc struct {
	t       testing.TB
	name    string
	pid     int
	started time.Time

	mu      sync.Mutex // guards everything below
	events  []event
	stderr  bytes.Buffer
	changed chan struct{} // closed and replaced on every new line or exit
	exited  bool
	code    int
	ended   time.Time
}

// run starts name args... on host h of l with English messages.
func run(t testing.TB, l *netns.LAN, h int, stdin io.Reader, env []string, name string, args ...string) *proc {
	t.Helper()
	cmd := l.Command(h, name, args...)
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LEMPAR_LANG=en")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = stdin
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: fmt.Sprintf("%s@host%d", filepath.Base(name), h), changed: make(chan struct{})}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.stderr.Write(b)
	})
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// ip netns exec, unshare and sh all exec in place: this PID is the
	// program itself, so /proc/PID is its memory and its descriptors.
	p.pid = cmd.Process.Pid
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				m = map[string]any{"event": "line", "text": sc.Text()}
			}
			p.mu.Lock()
			p.events = append(p.events, event{m: m, at: time.Now()})
			p.signal()
			p.mu.Unlock()
		}
		err := cmd.Wait()
		p.mu.Lock()
		p.exited, p.ended = true, time.Now()
		p.code = cmd.ProcessState.ExitCode()
		if err != nil && p.code == 0 {
			p.code = -1
		}
		p.signal()
		p.mu.Unlock()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		p.waitExit(10 * time.Second)
	})
	return p
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// signal wakes waiters; p.mu is held.
func (p *proc) signal() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *proc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// all returns a copy of the events so far.
func (p *proc) all() []event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]event(nil), p.events...)
}

// waitFrom returns the index and value of the first event at index ≥ from
// that matches, or fails the test after timeout or when the process ends
// without one.
func (p *proc) waitFrom(from int, timeout time.Duration, what string, match func(event) bool) (int, event) {
	p.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		for i := from; i < len(p.events); i++ {
			if match(p.events[i]) {
				e := p.events[i]
				p.mu.Unlock()
				return i, e
			}
		}
		from = len(p.events)
		exited, ch := p.exited, p.changed
		p.mu.Unlock()
		if exited {
			p.t.Fatalf("%s ended (exit %d) before %s; stderr:\n%s", p.name, p.exitCode(), what, p.errText())
		}
		select {
		case <-ch:
		case <-deadline.C:
			p.t.Fatalf("%s: no %s within %v; stderr:\n%s", p.name, what, timeout, p.errText())
		}
	}
}

// waitExit waits for the process to end and returns its exit code, or
// kills it and fails the test after timeout.
func (p *proc) waitExit(timeout time.Duration) int {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		exited, code, ch := p.exited, p.code, p.changed
		p.mu.Unlock()
		if exited {
			return code
		}
		select {
		case <-ch:
		case <-deadline.C:
			p.t.Errorf("%s did not exit within %v; stderr:\n%s", p.name, timeout, p.errText())
			return -1
		}
	}
}

func (p *proc) exitCode() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.code
}

// elapsed is how long the process ran (start to exit).
func (p *proc) elapsed() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ended.Sub(p.started)
}

// lastFinal is the process's final transfer event, if any.
func (p *proc) lastFinal() (event, bool) {
	ev := p.all()
	for i := len(ev) - 1; i >= 0; i-- {
		if ev[i].final() {
			return ev[i], true
		}
	}
	return event{}, false
}

// procStatus reads a kB field (VmRSS, VmHWM) or a count (Threads) from
// /proc/PID/status.
func procStatus(t testing.TB, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading process status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(v)
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", field, err)
			}
			if len(f) > 1 && f[1] == "kB" {
				n <<= 10
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// openFDs counts the process's open file descriptors.
func openFDs(t testing.TB, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// resetPeak sets the process's VmHWM back to its current RSS, so the next
// reading is the peak of what happens from now on.
func resetPeak(t testing.TB, pid int) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		t.Fatalf("resetting the peak RSS: %v", err)
	}
}
