package lan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// receiver is `lempar-cli receive --hidden --json` on a LAN host.
type receiver struct {
	*testproc.Proc
	addr string // host:port to send to
	id   string
	dir  string
}

// startReceiver runs a hidden receiver on host h that saves into dir; extra
// flags decide who is accepted (--yes, --accept-from).
func startReceiver(t testing.TB, l *netns.LAN, h int, dir string, stdin io.Reader, extra ...string) *receiver {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "rx-config")
	args := append([]string{"--config", cfg, "receive", "--hidden", "--json", "--port", "0", "--dir", dir, "--name", "Sari-PC"}, extra...)
	p := run(t, l, h, stdin, nil, the.cli, args...)
	_, ev := p.WaitFrom(0, 20*time.Second, "listening event", func(e testproc.Event) bool { return e.Str("event") == "listening" })
	return &receiver{
		Proc: p,
		addr: net.JoinHostPort(l.Addr(h).String(), strconv.FormatInt(ev.Num("port"), 10)),
		id:   ev.Str("id"), dir: dir,
	}
}

// startSend runs `lempar-cli send --json` on host h; cfg is the sender's
// config dir (its identity).
func startSend(t testing.TB, l *netns.LAN, h int, cfg, to string, args ...string) *testproc.Proc {
	t.Helper()
	full := append([]string{"--config", cfg, "send", "--json", "--name", fmt.Sprintf("Budi-%d", h), "--to", to}, args...)
	return run(t, l, h, nil, nil, the.cli, full...)
}

// deviceID creates (or reads) the identity in cfg and returns its ID.
func deviceID(t testing.TB, l *netns.LAN, h int, cfg string) string {
	t.Helper()
	p := run(t, l, h, nil, nil, the.cli, "--config", cfg, "id", "--json")
	_, ev := p.WaitFrom(0, 20*time.Second, "id", func(e testproc.Event) bool { return e.Str("id") != "" })
	p.Exit(10 * time.Second)
	return ev.Str("id")
}

// writeData fills path with size pseudo-random (incompressible) bytes and
// returns their SHA-256.
func writeData(t testing.TB, path string, size int64, seed uint64) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	src := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), 42})
	if _, err := io.CopyBuffer(io.MultiWriter(f, h), io.LimitReader(src, size), make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fileHash is the SHA-256 of a file, or "" if it can't be read.
func fileHash(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, make([]byte, 1<<20)); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// partials lists the partial files in dir (in its hidden partial folder).
func partials(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, ".lempar-partial", "*.lempar-partial"))
	return m
}

// parseSize reads "1GiB", "256MiB", "64KiB" or a byte count.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("bad size %q", s)
			}
			return int64(n * float64(u.mult)), nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q (use e.g. 1GiB, 256MiB)", s)
	}
	return n, nil
}

// envSize is the byte size in env var name, or def.
func envSize(t testing.TB, name string, def int64) int64 {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := parseSize(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// envInt is the integer in env var name, or def.
func envInt(t testing.TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s: want a positive integer, got %q", name, v)
	}
	return n
}

// mbps is bytes per second in MB/s (10^6), as the bench reports.
func mbps(bytes int64, d time.Duration) float64 { return float64(bytes) / d.Seconds() / 1e6 }
