//go:build linux

package discovery

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// run starts lempar-cli args... on host h; it is stopped when the test
// ends.
func run(t *testing.T, l *netns.LAN, h int, name string, args ...string) *testproc.Proc {
	t.Helper()
	return runProgram(t, l, h, name, os.Getenv(envBin), args...)
}

// runProgram starts any program on host h, read like run: each stdout line
// is an event (a JSON object, or {"event": "line", "text": ...}).
func runProgram(t *testing.T, l *netns.LAN, h int, name, program string, args ...string) *testproc.Proc {
	t.Helper()
	cmd := l.Command(h, program, args...)
	cmd.Env = append(os.Environ(), "LEMPAR_LANG=en", "LANG=C.UTF-8")
	// A daemon the program started may hold our pipes open after the
	// program is gone; don't let Wait (and the test's cleanup) hang on it.
	cmd.WaitDelay = 2 * time.Second
	return testproc.Start(t, cmd, testproc.Options{Name: name})
}

func event(kind, id string) func(testproc.Event) bool {
	return func(e testproc.Event) bool { return e.M["event"] == kind && e.M["id"] == id }
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
func (d *device) receive(t *testing.T, l *netns.LAN, h int, extra ...string) *testproc.Proc {
	t.Helper()
	args := append([]string{"--config", d.config, "receive", "--json", "--yes", "--name", d.name, "--dir", d.downloads}, extra...)
	p := run(t, l, h, d.name, args...)
	ev := p.Next(10*time.Second, d.name+" listening", func(e testproc.Event) bool { return e.M["event"] == "listening" })
	d.id = ev.Str("id")
	if port, ok := ev.M["port"].(float64); ok {
		d.port = int(port)
	}
	return p
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
