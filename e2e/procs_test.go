package e2e

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/testproc"
	"github.com/lempar/lempar/savedir"
)

// start runs lempar-cli args... on loopback, with English messages; the
// test's cleanup stops it.
func start(t *testing.T, stdin io.Reader, args ...string) *testproc.Proc {
	t.Helper()
	cmd := exec.Command(cliPath, args...)
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8", "LEMPAR_LANG=en")
	cmd.Stdin = stdin
	return testproc.Start(t, cmd, testproc.Options{Name: "lempar-cli"})
}

// receiver starts `lempar-cli receive` on a free loopback port.
type receiver struct {
	*testproc.Proc
	port int
	id   string
	dir  string
	cfg  string
}

func startReceiver(t *testing.T, cfg, dir string, stdin io.Reader, extra ...string) *receiver {
	t.Helper()
	args := append([]string{"--config", cfg, "receive", "--port", "0", "--listen", "127.0.0.1", "--dir", dir, "--json", "--name", "Sari-PC"}, extra...)
	p := start(t, stdin, args...)
	ev := p.Next(10*time.Second, "listening event", func(e testproc.Event) bool { return e.Str("event") == "listening" })
	return &receiver{Proc: p, port: int(ev.M["port"].(float64)), id: ev.M["id"].(string), dir: dir, cfg: cfg}
}

func (r *receiver) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

func (r *receiver) finalEvent(timeout time.Duration) map[string]any {
	return r.Next(timeout, "final transfer event", testproc.Event.Final).M
}

// sendCmd runs `lempar-cli send` to completion and returns its final event
// and exit code.
func sendCmd(t *testing.T, cfg string, args ...string) (map[string]any, int, string) {
	t.Helper()
	p := start(t, nil, append([]string{"--config", cfg, "send", "--json", "--name", "Budi"}, args...)...)
	code := p.Exit(5 * time.Minute)
	fin, _ := p.LastFinal()
	return fin.M, code, p.Stderr()
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
		if err == nil && !st.IsDir() && strings.HasSuffix(p, ".lempar-partial") {
			t.Errorf("partial left behind: %s", p)
		}
		if err == nil && !st.IsDir() && strings.HasSuffix(p, savedir.JournalSuffix) {
			return nil // a session's record of where its files went
		}
		if err == nil && st.IsDir() && st.Name() == savedir.PartialDir {
			return nil // the hidden folder partials wait in (checked above to hold none)
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
