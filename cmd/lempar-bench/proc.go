//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// cliEvent is the part of a JSON line from lempar-cli receive or send (with
// --json) or from this binary's helper that the benchmark reads.
type cliEvent struct {
	Event     string `json:"event"`
	Port      int    `json:"port"`
	State     string `json:"state"`
	Total     int64  `json:"total"`
	Done      int64  `json:"done"`
	Sent      int64  `json:"sent"`
	Files     int    `json:"files"`
	FilesDone int    `json:"files_done"`
	Error     string `json:"error"`
	Bytes     int64  `json:"bytes"`
	Suite     string `json:"suite"` // helper: the TLS cipher suite it negotiated
}

// child is a process the benchmark runs and measures. Its stdout is read as
// JSON lines; the end of its stderr is kept to explain a failure.
type child struct {
	cmd    *exec.Cmd
	stderr *tailBuffer
	start  time.Time
	exited chan struct{} // closed once Wait has returned; end and err are set then
	end    time.Time
	err    error
	rss    *rssWatch
}

// startChild runs exe (lempar-cli, or this binary as a helper) with args.
// onLine is called from one goroutine, in order, for every JSON line on
// stdout.
func startChild(ctx context.Context, exe string, args []string, onLine func(cliEvent)) (*child, error) {
	c := &child{cmd: exec.CommandContext(ctx, exe, args...), stderr: &tailBuffer{max: 1 << 20}, exited: make(chan struct{})}
	c.cmd.Stderr = c.stderr
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c.start = time.Now()
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	c.rss = watchRSS(c.cmd.Process.Pid, c.exited)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			var e cliEvent
			if json.Unmarshal(sc.Bytes(), &e) == nil && onLine != nil {
				onLine(e)
			}
		}
		// Wait only after stdout is drained: it closes the pipe.
		c.err = c.cmd.Wait()
		c.end = time.Now()
		close(c.exited)
	}()
	return c, nil
}

// wait waits for the process to exit, at most d; it kills it after that.
func (c *child) wait(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.exited:
		return c.err
	case <-t.C:
		c.signal(syscall.SIGKILL)
		<-c.exited
		return fmt.Errorf("still running after %s, killed", d)
	}
}

// stop asks the process to end (SIGTERM, as Ctrl+C would). One that does
// not within 10 seconds has a bug: see exitOrDump.
func (c *child) stop() error {
	c.rss.sample() // the work is done: this is the peak
	c.signal(syscall.SIGTERM)
	return c.exitOrDump(10 * time.Second)
}

// exitOrDump waits up to d for a process that should be ending by itself.
// If it hangs, SIGQUIT makes the Go runtime print every goroutine, which is
// kept in a file for the bug report, and the process is killed.
func (c *child) exitOrDump(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.exited:
		return c.err
	case <-t.C:
	}
	c.signal(syscall.SIGQUIT)
	_ = c.wait(5 * time.Second)
	f, err := os.CreateTemp("", "lempar-bench-stuck-*.txt")
	if err != nil {
		return &stuckError{after: d}
	}
	defer f.Close()
	fmt.Fprintf(f, "%s\n\n%s", c.cmd.String(), c.stderr.String())
	return &stuckError{after: d, dump: f.Name()}
}

// stuckError is a process that did not end when it should have.
type stuckError struct {
	after time.Duration
	dump  string // file with its goroutines, if written
}

func (e *stuckError) Error() string {
	return fmt.Sprintf("still running %s after it should have ended; its goroutines are in %s", e.after, e.dump)
}

func (c *child) signal(sig syscall.Signal) {
	if c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(sig)
	}
}

func (c *child) seconds() float64 { return c.end.Sub(c.start).Seconds() }

// rssMiB is the peak resident set size of the exited process.
func (c *child) rssMiB() float64 { return c.rss.peakMiB(c.cmd.ProcessState) }

// cpuSeconds is the user and system CPU time the exited process used.
func (c *child) cpuSeconds() float64 {
	_, cpu := usage(c.cmd.ProcessState)
	return cpu
}

// failure describes why the process failed, for an error message.
func (c *child) failure(err error) string {
	msg := strings.TrimSpace(c.stderr.String())
	if len(msg) > 2000 {
		msg = "…" + msg[len(msg)-2000:]
	}
	if err == nil {
		err = c.err
	}
	switch {
	case msg != "" && err != nil:
		return fmt.Sprintf("%v: %s", err, msg)
	case msg != "":
		return msg
	case err != nil:
		return err.Error()
	}
	return "?"
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// rssWatch follows a process's peak RSS (VmHWM) while it runs. ru_maxrss
// can't be used alone: a child forked from this process starts out sharing
// its memory, and Linux counts that in the child's ru_maxrss, so every
// child would look at least as big as the benchmark itself.
type rssWatch struct {
	pid  int
	peak atomic.Int64 // KiB
}

func watchRSS(pid int, exited <-chan struct{}) *rssWatch {
	w := &rssWatch{pid: pid}
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			w.sample()
			select {
			case <-exited:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

func (w *rssWatch) sample() {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(w.pid) + "/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil && kb > w.peak.Load() {
				w.peak.Store(kb)
			}
			return
		}
	}
}

// peakMiB is the highest VmHWM seen; for a process too short-lived to be
// sampled, ru_maxrss, which may overstate it.
func (w *rssWatch) peakMiB(ps *os.ProcessState) float64 {
	if kb := w.peak.Load(); kb > 0 {
		return float64(kb) / 1024
	}
	rss, _ := usage(ps)
	return rss
}
