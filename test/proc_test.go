//go:build linux

package test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
)

// proc is a lempar-cli running on a LAN host, with its stdout read as JSON
// lines (each stamped with the time it arrived).
type proc struct {
	t       *testing.T
	name    string
	started time.Time
	lines   chan line
	mu      sync.Mutex
	stderr  bytes.Buffer
	exited  chan struct{}
	err     error
	pid     int
}

type line struct {
	at time.Time
	m  map[string]any
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.Write(b)
}

func (p *proc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// run starts lempar-cli args... on host h; it is killed when the test ends.
func run(t *testing.T, l *netns.LAN, h int, name string, args ...string) *proc {
	t.Helper()
	return runProgram(t, l, h, name, os.Getenv(envBin), args...)
}

// runProgram starts any program on host h, read like run.
func runProgram(t *testing.T, l *netns.LAN, h int, name, program string, args ...string) *proc {
	t.Helper()
	cmd := l.Command(h, program, args...)
	cmd.Env = append(os.Environ(), "LEMPAR_LANG=en", "LANG=C.UTF-8")
	p := &proc{t: t, name: name, lines: make(chan line, 1024), exited: make(chan struct{})}
	cmd.Stderr = p
	// A daemon the program started may hold our pipes open after the
	// program is gone; don't let Wait (and the test's cleanup) hang on it.
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.pid = cmd.Process.Pid
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				m = map[string]any{"event": "text", "text": sc.Text()}
			}
			p.lines <- line{time.Now(), m}
		}
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
		<-p.exited
	})
	return p
}

// next returns the first line from now on that matches, and when it came.
func (p *proc) next(timeout time.Duration, what string, match func(map[string]any) bool) (map[string]any, time.Time) {
	p.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case ln := <-p.lines:
			if match(ln.m) {
				return ln.m, ln.at
			}
		case <-p.exited:
			for {
				select {
				case ln := <-p.lines:
					if match(ln.m) {
						return ln.m, ln.at
					}
				default:
					p.t.Fatalf("%s: %s exited (%v) first; stderr:\n%s", what, p.name, p.err, p.errText())
				}
			}
		case <-deadline.C:
			p.t.Fatalf("%s: nothing from %s within %v; stderr:\n%s", what, p.name, timeout, p.errText())
		}
	}
}

// none fails if a matching line arrives within d.
func (p *proc) none(d time.Duration, what string, match func(map[string]any) bool) {
	p.t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		select {
		case ln := <-p.lines:
			if match(ln.m) {
				p.t.Fatalf("%s: got %v", what, ln.m)
			}
		case <-deadline.C:
			return
		}
	}
}

func (p *proc) signal(sig syscall.Signal) time.Time {
	now := time.Now()
	_ = syscall.Kill(p.pid, sig)
	return now
}

// exit waits for the process to end and returns its exit code.
func (p *proc) exit(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		p.t.Fatalf("%s still running after %v; stderr:\n%s", p.name, timeout, p.errText())
	}
	if p.err == nil {
		return 0
	}
	if ee, ok := p.err.(interface{ ExitCode() int }); ok {
		return ee.ExitCode()
	}
	return -1
}

func event(kind, id string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["event"] == kind && m["id"] == id }
}

// device is one receiver's identity and folders, reused across restarts.
type device struct {
	name, config, downloads string
	id                      string
	port                    int
}

func newDevice(t *testing.T, name string) *device {
	dir := t.TempDir()
	return &device{name: name, config: filepath.Join(dir, "config"), downloads: filepath.Join(dir, "downloads")}
}

// receive starts `lempar-cli receive` for d on host h and waits until it
// listens.
func (d *device) receive(t *testing.T, l *netns.LAN, h int, extra ...string) *proc {
	t.Helper()
	args := append([]string{"--config", d.config, "receive", "--json", "--yes", "--name", d.name, "--dir", d.downloads}, extra...)
	p := run(t, l, h, d.name, args...)
	m, _ := p.next(10*time.Second, d.name+" listening", func(m map[string]any) bool { return m["event"] == "listening" })
	d.id, _ = m["id"].(string)
	if port, ok := m["port"].(float64); ok {
		d.port = int(port)
	}
	return p
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
