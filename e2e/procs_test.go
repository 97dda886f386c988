package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// proc is a running lempar-cli with its --json events.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	events chan map[string]any
	stderr *bytes.Buffer
	done   chan struct{}
	mu     sync.Mutex
	all    []map[string]any
}

func start(t *testing.T, stdin io.Reader, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(cliPath, args...)
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8", "LEMPAR_LANG=en")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, events: make(chan map[string]any, 4096), stderr: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{b: p.stderr, mu: &p.mu}
	cmd.Stdin = stdin
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				m = map[string]any{"event": "line", "text": sc.Text()}
			}
			p.mu.Lock()
			p.all = append(p.all, m)
			p.mu.Unlock()
			select {
			case p.events <- m:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return p
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (p *proc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// waitEvent returns the first event (from now on) that matches, or fails.
func (p *proc) waitEvent(timeout time.Duration, match func(map[string]any) bool) map[string]any {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m := <-p.events:
			if match(m) {
				return m
			}
		case <-p.done:
			// Drain what is left after the process closed stdout.
			for {
				select {
				case m := <-p.events:
					if match(m) {
						return m
					}
				default:
					p.t.Fatalf("process ended before the expected event; stderr:\n%s", p.errText())
				}
			}
		case <-deadline:
			p.t.Fatalf("no matching event within %v; stderr:\n%s", timeout, p.errText())
		}
	}
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(timeout time.Duration) int {
	p.t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- p.cmd.Wait() }()
	select {
	case <-ch:
		<-p.done
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		p.t.Fatalf("process did not exit within %v; stderr:\n%s", timeout, p.errText())
	}
	return -1
}

// receiver starts `lempar-cli receive` on a free loopback port.
type receiver struct {
	*proc
	port int
	id   string
	dir  string
	cfg  string
}

func startReceiver(t *testing.T, cfg, dir string, stdin io.Reader, extra ...string) *receiver {
	t.Helper()
	args := append([]string{"--config", cfg, "receive", "--port", "0", "--listen", "127.0.0.1", "--dir", dir, "--json", "--name", "Sari-PC"}, extra...)
	p := start(t, stdin, args...)
	ev := p.waitEvent(10*time.Second, func(m map[string]any) bool { return m["event"] == "listening" })
	return &receiver{proc: p, port: int(ev["port"].(float64)), id: ev["id"].(string), dir: dir, cfg: cfg}
}

func (r *receiver) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

func (r *receiver) finalEvent(timeout time.Duration) map[string]any {
	return r.waitEvent(timeout, func(m map[string]any) bool { return m["event"] == "transfer" && isFinal(m["state"]) })
}

func isFinal(s any) bool {
	switch s {
	case "done", "declined", "cancelled", "failed":
		return true
	}
	return false
}

// sendCmd runs `lempar-cli send` to completion and returns its final event
// and exit code.
func sendCmd(t *testing.T, cfg string, args ...string) (map[string]any, int, string) {
	t.Helper()
	p := start(t, nil, append([]string{"--config", cfg, "send", "--json", "--name", "Budi"}, args...)...)
	code := p.wait(5 * time.Minute)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.all) - 1; i >= 0; i-- {
		if p.all[i]["event"] == "transfer" && isFinal(p.all[i]["state"]) {
			return p.all[i], code, p.stderr.String()
		}
	}
	return nil, code, p.stderr.String()
}

func num(m map[string]any, k string) int64 {
	f, _ := m[k].(float64)
	return int64(f)
}

// compareTrees fails unless b holds exactly a's files, folders, bytes,
// executable bits and mtimes.
func compareTrees(t *testing.T, a, b string) {
	t.Helper()
	seen := 0
	err := filepath.Walk(a, func(p string, st os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		q := filepath.Join(b, rel)
		st2, err := os.Stat(q)
		if err != nil {
			return fmt.Errorf("missing %s", rel)
		}
		seen++
		if st.IsDir() != st2.IsDir() {
			return fmt.Errorf("%s: kind differs", rel)
		}
		if st.IsDir() {
			return nil
		}
		if st.Mode()&0o111 != st2.Mode()&0o111 {
			return fmt.Errorf("%s: executable bit %v vs %v", rel, st.Mode(), st2.Mode())
		}
		if !st.ModTime().Equal(st2.ModTime()) {
			return fmt.Errorf("%s: mtime %v vs %v", rel, st.ModTime(), st2.ModTime())
		}
		return sameFile(p, q)
	})
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	_ = filepath.Walk(b, func(p string, st os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".lempar-partial") {
			t.Errorf("partial left behind: %s", p)
		}
		count++
		return nil
	})
	if count != seen {
		t.Fatalf("receiver has %d entries, sender %d", count, seen)
	}
}

func sameFile(a, b string) error {
	fa, err := os.Open(a)
	if err != nil {
		return err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return err
	}
	defer fb.Close()
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, _ := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return fmt.Errorf("%s and %s differ", a, b)
		}
		if ea != nil {
			return nil
		}
	}
}

func writeRandom(t *testing.T, p string, size int64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A cheap deterministic stream: resume tests need content, not entropy.
	buf := make([]byte, 1<<20)
	var x uint64 = uint64(size) ^ 0x9e3779b97f4a7c15
	for written := int64(0); written < size; {
		for i := 0; i+8 <= len(buf); i += 8 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			for j := 0; j < 8; j++ {
				buf[i+j] = byte(x >> (8 * j))
			}
		}
		n := min(int64(len(buf)), size-written)
		if _, err := f.Write(buf[:n]); err != nil {
			t.Fatal(err)
		}
		written += n
	}
}

var _ = context.Background
