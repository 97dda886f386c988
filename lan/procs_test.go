package lan

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// run starts name args... on host h of l with English messages; env is
// added to the environment. The test's cleanup stops it.
func run(t testing.TB, l *netns.LAN, h int, stdin io.Reader, env []string, name string, args ...string) *testproc.Proc {
	t.Helper()
	cmd := l.Command(h, name, args...)
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LEMPAR_LANG=en")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = stdin
	return testproc.Start(t, cmd, testproc.Options{Name: fmt.Sprintf("%s@host%d", filepath.Base(name), h)})
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
