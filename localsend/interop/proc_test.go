package interop

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/testproc"
)

// proc is a program on a namespace host, driven through its stdin and
// read from its output (stdout and stderr merged, in order): localsend's
// interactive CLI prompts without a newline, so the output is matched as
// text from where the last match ended.
type proc struct {
	*testproc.Proc
	t     *testing.T
	stdin io.WriteCloser
	pos   int // expect and line have consumed the output up to here
}

func startProc(t *testing.T, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	return &proc{Proc: testproc.Start(t, cmd, testproc.Options{Name: name, MergeStderr: true}), t: t, stdin: stdin}
}

// stop kills the program at once, as the tests always have: they stop a
// side to free its port or to start it again, not to test its shutdown.
func (p *proc) stop() { p.Stop(0) }

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
		p.t.Fatalf("%s: no %q within %v; output:\n%s", p.Name, want, timeout, testproc.Tail(p.Output(), 4000))
	}
	return s
}

func (p *proc) await(match func(string) int, timeout time.Duration) (string, bool) {
	var got string
	ok := p.Until(timeout, func() bool {
		rest := p.Output()[p.pos:]
		n := match(rest)
		if n < 0 {
			return false
		}
		p.pos += n
		got = rest[:n]
		return true
	})
	return got, ok
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
		p.t.Fatalf("%s: expected line not seen within %v; output:\n%s", p.Name, timeout, testproc.Tail(p.Output(), 4000))
	}
	return got
}

func (p *proc) send(v any) {
	p.t.Helper()
	b, _ := json.Marshal(v)
	if _, err := fmt.Fprintf(p.stdin, "%s\n", b); err != nil {
		p.t.Fatalf("%s: %v", p.Name, err)
	}
}

func (p *proc) input(s string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, s); err != nil {
		p.t.Fatalf("%s: %v", p.Name, err)
	}
}
