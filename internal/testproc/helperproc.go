package testproc

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestBinary is the test binary of the package in the current directory,
// for running as a separate process whose memory is measured: this one, or
// under -race (race true) a copy built without it, since the race
// detector's shadow memory would multiply the footprint being measured.
func TestBinary(t testing.TB, race bool) string {
	t.Helper()
	if !race {
		return os.Args[0]
	}
	bin := filepath.Join(t.TempDir(), "norace.test")
	if out, err := exec.Command("go", "test", "-c", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the test binary without -race: %v\n%s", err, out)
	}
	return bin
}

// HelperProcess starts bin running no tests with env set to "1" (the
// binary's TestMain turns into a helper on it), returns the first line it
// prints (an address, usually) and its PID. Closing its stdin, at cleanup,
// is the helper's signal to stop.
func HelperProcess(t testing.TB, bin, env string) (line string, pid int) {
	t.Helper()
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"=1")
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper process: %v", err)
	}
	return strings.TrimSpace(line), cmd.Process.Pid
}

// StatusKB reads a kB field of /proc/PID/status, such as VmHWM (peak
// resident memory). It skips the test where there is no /proc.
func StatusKB(t testing.TB, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
