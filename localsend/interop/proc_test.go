package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// proc is a process on a namespace host whose output a test waits on.
type proc struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu     sync.Mutex
	out    bytes.Buffer
	pos    int // expect() has consumed output up to here
	more   chan struct{}
	exited chan struct{}
	err    error
}

func startProc(t *testing.T, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{t: t, name: name, cmd: cmd, more: make(chan struct{}, 1), exited: make(chan struct{})}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdin = stdin
	cmd.Stdout = p
	cmd.Stderr = p
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.exited)
	}()
	t.Cleanup(p.stop)
	return p
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	p.out.Write(b)
	p.mu.Unlock()
	select {
	case p.more <- struct{}{}:
	default:
	}
	return len(b), nil
}

func (p *proc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// expect waits until the output after the last match contains want, and
// returns the text up to and including it.
func (p *proc) expect(want string, timeout time.Duration) string {
	p.t.Helper()
	s, ok := p.await(func(s string) int {
		if i := strings.Index(s, want); i >= 0 {
			return i + len(want)
		}
		return -1
	}, timeout)
	if !ok {
		p.t.Fatalf("%s: no %q within %v; output:\n%s", p.name, want, timeout, tail(p.output()))
	}
	return s
}

func (p *proc) await(match func(string) int, timeout time.Duration) (string, bool) {
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		rest := p.out.String()[p.pos:]
		if n := match(rest); n >= 0 {
			p.pos += n
			p.mu.Unlock()
			return rest[:n], true
		}
		p.mu.Unlock()
		select {
		case <-p.more:
		case <-p.exited:
			p.mu.Lock()
			rest := p.out.String()[p.pos:]
			p.mu.Unlock()
			if n := match(rest); n >= 0 {
				p.mu.Lock()
				p.pos += n
				p.mu.Unlock()
				return rest[:n], true
			}
			return "", false
		case <-deadline:
			return "", false
		}
	}
}

// line waits for a helper JSON line for which ok is true, skipping others.
func (p *proc) line(ok func(evLine) bool, timeout time.Duration) evLine {
	p.t.Helper()
	var got evLine
	_, found := p.await(func(s string) int {
		off := 0
		for {
			i := strings.IndexByte(s[off:], '\n')
			if i < 0 {
				return -1
			}
			var l evLine
			if json.Unmarshal([]byte(s[off:off+i]), &l) == nil && ok(l) {
				got = l
				return off + i + 1
			}
			off += i + 1
		}
	}, timeout)
	if !found {
		p.t.Fatalf("%s: expected line not seen within %v; output:\n%s", p.name, timeout, tail(p.output()))
	}
	return got
}

func (p *proc) send(v any) {
	p.t.Helper()
	b, _ := json.Marshal(v)
	if _, err := fmt.Fprintf(p.stdin, "%s\n", b); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

func (p *proc) input(s string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, s); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		p.t.Fatalf("%s did not exit within %v; output:\n%s", p.name, timeout, tail(p.output()))
	}
	if p.cmd.ProcessState == nil {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}
