// Package testproc is test support for the suites that drive real programs
// (e2e, lan, test, localsend/interop): it builds the binaries once per test
// binary, starts a program with its stdout read as JSON event lines, waits
// on those lines or on exit with a deadline, keeps stderr for failure
// messages, and stops the program when the test ends.
//
// It is an ordinary package only so those test packages can share it;
// nothing else imports it. Where a program runs (a network namespace,
// plain loopback) and with which environment stays with the caller, who
// hands Start a prepared *exec.Cmd.
package testproc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Binaries is a temporary directory of freshly built programs.
type Binaries struct{ dir string }

// MustBuild compiles pkgs (paths as go build takes them, e.g.
// "../cmd/lempar-cli") into a new temporary directory, or says why not and
// exits: TestMain calls it once, so every test runs the same binary and
// none pays for a build, and it has no t to fail. cgo is off: the binaries
// then run in any namespace or container without the host's C library.
func MustBuild(pattern string, pkgs ...string) *Binaries {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		fmt.Fprintf(os.Stderr, "building %s: %v\n", strings.Join(pkgs, " "), err)
		os.Exit(1)
	}
	return &Binaries{dir: dir}
}

// Path is the built program named name (its package's last element).
func (b *Binaries) Path(name string) string { return filepath.Join(b.dir, name) }

// Remove deletes the directory; TestMain calls it after m.Run.
func (b *Binaries) Remove() { os.RemoveAll(b.dir) }

// Event is one line of a program's stdout: the JSON object it holds, or
// {"event": "line", "text": ...} when it holds none, so plain-text tools
// can be waited on the same way.
type Event struct {
	M  map[string]any
	At time.Time // when the line arrived: tests time discovery and transfers by it
}

// Str is field k as a string ("" if absent or not a string).
func (e Event) Str(k string) string { s, _ := e.M[k].(string); return s }

// Num is field k as an integer (JSON numbers arrive as float64).
func (e Event) Num(k string) int64 { f, _ := e.M[k].(float64); return int64(f) }

// Final reports whether e is a transfer's last event.
func (e Event) Final() bool {
	if e.Str("event") != "transfer" {
		return false
	}
	switch e.Str("state") {
	case "done", "declined", "expired", "cancelled", "failed":
		return true
	}
	return false
}

func (e Event) String() string { b, _ := json.Marshal(e.M); return string(b) }

// Options say how to read a program.
type Options struct {
	// Name is how failure messages call the process.
	Name string
	// MergeStderr sends stderr into the same stream as stdout, in order:
	// for interactive programs whose prompts and errors interleave, read
	// with Output.
	MergeStderr bool
	// Grace is how long the cleanup waits after SIGINT before SIGKILL
	// (default DefaultGrace).
	Grace time.Duration
}

// DefaultGrace lets a program shut down cleanly at the end of a test
// without letting a stuck one hold the suite up.
const DefaultGrace = 3 * time.Second

// killWait bounds the wait after SIGKILL: only a process stuck in the
// kernel, or a pipe some grandchild holds open, outlives it.
const killWait = 10 * time.Second

// Proc is a started program. Every stdout line is kept (none is dropped
// however slowly a test reads) and waits poll them with a deadline.
type Proc struct {
	Name    string
	Cmd     *exec.Cmd
	Pid     int
	Started time.Time

	t     testing.TB
	merge bool

	mu      sync.Mutex // guards everything below
	out     bytes.Buffer
	parsed  int // out is split into events up to here
	events  []Event
	stderr  bytes.Buffer
	changed chan struct{} // closed and replaced on every write and on exit
	exited  bool
	code    int
	ended   time.Time
	cursor  int // Next and None have looked at events up to here
}

// Start starts cmd (with its Env, Stdin, Dir and WaitDelay already set)
// and stops it when the test ends: SIGINT, then SIGKILL after the grace.
func Start(t testing.TB, cmd *exec.Cmd, o Options) *Proc {
	t.Helper()
	p := &Proc{Name: o.Name, Cmd: cmd, t: t, merge: o.MergeStderr, changed: make(chan struct{})}
	if p.Name == "" {
		p.Name = filepath.Base(cmd.Path)
	}
	// Writers rather than StdoutPipe: Wait then covers the copying too, and
	// cmd.WaitDelay bounds it when a daemon the program started keeps the
	// pipe open.
	cmd.Stdout = (*stdoutWriter)(p)
	if o.MergeStderr {
		cmd.Stderr = cmd.Stdout // one pipe, so the order survives
	} else {
		cmd.Stderr = (*stderrWriter)(p)
	}
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", p.Name, err)
	}
	// Programs started through ip netns exec, unshare and sh exec in place,
	// so this is the program itself: signals and /proc/PID reach it.
	p.Pid = cmd.Process.Pid
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		defer p.mu.Unlock()
		p.splitLines(true)
		p.exited, p.ended = true, time.Now()
		p.code = -1
		if cmd.ProcessState != nil {
			p.code = cmd.ProcessState.ExitCode()
		}
		if err != nil && p.code == 0 {
			p.code = -1 // e.g. WaitDelay ran out: not a clean exit
		}
		p.signal()
	}()
	grace := o.Grace
	if grace == 0 {
		grace = DefaultGrace
	}
	t.Cleanup(func() { p.Stop(grace) })
	return p
}

type stdoutWriter Proc

func (w *stdoutWriter) Write(b []byte) (int, error) {
	p := (*Proc)(w)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out.Write(b)
	p.splitLines(false)
	p.signal()
	return len(b), nil
}

type stderrWriter Proc

func (w *stderrWriter) Write(b []byte) (int, error) {
	p := (*Proc)(w)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stderr.Write(b)
	p.signal() // Until may be waiting on what stderr says (a prompt)
	return len(b), nil
}

// splitLines turns complete new lines of out into events, and at the end
// (last) the unterminated rest too. p.mu is held.
func (p *Proc) splitLines(last bool) {
	now := time.Now()
	for {
		rest := p.out.Bytes()[p.parsed:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			if !last || len(rest) == 0 {
				return
			}
			i = len(rest)
		}
		line := bytes.TrimSuffix(rest[:i], []byte{'\r'})
		p.parsed += min(i+1, len(rest))
		var m map[string]any
		if json.Unmarshal(line, &m) != nil {
			m = map[string]any{"event": "line", "text": string(line)}
		}
		p.events = append(p.events, Event{M: m, At: now})
	}
}

// signal wakes waiters; p.mu is held.
func (p *Proc) signal() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Until calls cond whenever the program writes or exits, until it returns
// true (Until then does too), the program has exited, or timeout passes.
// cond runs without p's lock, so it may call any method or fail the test.
func (p *Proc) Until(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		// Taken before cond looks, so a write in between still wakes us.
		p.mu.Lock()
		ch, exited := p.changed, p.exited
		p.mu.Unlock()
		if cond() {
			return true
		}
		if exited {
			return false
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

// Events is a copy of the events so far; len(Events()) is where to start
// a WaitFrom for what happens next.
func (p *Proc) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.events...)
}

// find looks for a match among the events at index ≥ from, waiting as
// Until does, and returns where it looked up to if none matched.
func (p *Proc) find(from int, timeout time.Duration, match func(Event) bool) (int, Event, bool) {
	var at int
	var found Event
	ok := p.Until(timeout, func() bool {
		p.mu.Lock()
		evs := p.events[min(from, len(p.events)):] // events are never changed once appended
		p.mu.Unlock()
		for i, e := range evs {
			if match(e) {
				at, found = from+i, e
				return true
			}
		}
		from += len(evs)
		return false
	})
	if !ok {
		at = from
	}
	return at, found, ok
}

// WaitFrom returns the index and value of the first event at index ≥ from
// that matches, or fails the test after timeout or when the program ends
// without one. what names the awaited event in the failure.
func (p *Proc) WaitFrom(from int, timeout time.Duration, what string, match func(Event) bool) (int, Event) {
	p.t.Helper()
	i, e, ok := p.find(from, timeout, match)
	if !ok {
		p.failWaiting(timeout, what)
	}
	return i, e
}

func (p *Proc) failWaiting(timeout time.Duration, what string) {
	p.t.Helper()
	if p.Exited() {
		p.t.Fatalf("%s ended (exit %d) before %s; %s", p.Name, p.ExitCode(), what, p.diagnostics())
	}
	p.t.Fatalf("%s: no %s within %v; %s", p.Name, what, timeout, p.diagnostics())
}

// Next is WaitFrom from just after the event the previous Next or None
// stopped at: a reader that takes the program's events in turn.
func (p *Proc) Next(timeout time.Duration, what string, match func(Event) bool) Event {
	p.t.Helper()
	i, e := p.WaitFrom(p.readCursor(), timeout, what, match)
	p.setCursor(i + 1)
	return e
}

// NextEach is Next for events that may come in any order: it waits for
// one event per matcher, each at or after the cursor (not after each
// other's), and moves the cursor past the latest. Three devices started
// together are seen in whatever order the network delivers them.
func (p *Proc) NextEach(timeout time.Duration, what []string, match []func(Event) bool) []Event {
	p.t.Helper()
	from, last := p.readCursor(), -1
	end := time.Now().Add(timeout)
	out := make([]Event, len(match))
	for k, m := range match {
		i, e := p.WaitFrom(from, max(time.Until(end), 0), what[k], m)
		out[k], last = e, max(last, i)
	}
	p.setCursor(last + 1)
	return out
}

// None fails the test if an event after the previous Next or None, or one
// arriving within d, matches.
func (p *Proc) None(d time.Duration, what string, match func(Event) bool) {
	p.t.Helper()
	// Waiting the whole d is the point; an early exit only means no more
	// events can come.
	end, e, ok := p.find(p.readCursor(), d, match)
	if ok {
		p.t.Fatalf("%s: got %v", what, e.M)
	}
	p.setCursor(end)
}

func (p *Proc) readCursor() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cursor
}

func (p *Proc) setCursor(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cursor = i
}

// LastFinal is the program's last final transfer event, if any.
func (p *Proc) LastFinal() (Event, bool) {
	ev := p.Events()
	for i := len(ev) - 1; i >= 0; i-- {
		if ev[i].Final() {
			return ev[i], true
		}
	}
	return Event{}, false
}

// Wait waits up to timeout for the program to end and returns its exit
// code (-1 if a signal ended it) and whether it ended.
func (p *Proc) Wait(timeout time.Duration) (int, bool) {
	if !p.Until(timeout, p.Exited) {
		return -1, false
	}
	return p.ExitCode(), true
}

// Exit waits for the program to end and returns its exit code, or fails
// the test after timeout (the cleanup then stops it).
func (p *Proc) Exit(timeout time.Duration) int {
	p.t.Helper()
	code, ok := p.Wait(timeout)
	if !ok {
		p.t.Fatalf("%s did not exit within %v; %s", p.Name, timeout, p.diagnostics())
	}
	return code
}

// Exited reports whether the program has ended and its output is all in.
func (p *Proc) Exited() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exited
}

// ExitCode is the exit code once the program has ended.
func (p *Proc) ExitCode() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.code
}

// Elapsed is how long the program ran, start to exit.
func (p *Proc) Elapsed() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ended.Sub(p.Started)
}

// Signal sends sig to the program and returns when, for latency figures.
// Once the program has been reaped it does nothing, so it never reaches
// another process that got the PID since.
func (p *Proc) Signal(sig os.Signal) time.Time {
	now := time.Now()
	_ = p.Cmd.Process.Signal(sig)
	return now
}

// Stop ends the program: SIGINT, so it can shut down the way a person
// pressing Ctrl-C would, then SIGKILL if it is still running after grace.
// A grace of 0 kills at once, as a crash would. A program that outlives
// SIGKILL fails the test.
func (p *Proc) Stop(grace time.Duration) {
	p.t.Helper()
	if p.Exited() {
		return
	}
	if grace > 0 {
		p.Signal(os.Interrupt)
		if _, ok := p.Wait(grace); ok {
			return
		}
	}
	p.Signal(os.Kill)
	if _, ok := p.Wait(killWait); !ok {
		p.t.Errorf("%s did not exit within %v of SIGKILL; %s", p.Name, killWait, p.diagnostics())
	}
}

// Output is everything the program wrote to stdout (and stderr, merged)
// so far.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// Stderr is what the program wrote to stderr so far (empty when merged).
func (p *Proc) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// diagnostics is what a failure message shows of the program: its stderr,
// or the end of its merged output.
func (p *Proc) diagnostics() string {
	if !p.merge {
		return "stderr:\n" + p.Stderr()
	}
	return "output:\n" + Tail(p.Output(), 4000)
}

// Tail is the last n bytes of s, marked as cut when they are not all of it.
func Tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
