package savedir

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestFreeSpace(t *testing.T) {
	dir := t.TempDir()
	free, err := FreeSpace(dir)
	if err != nil {
		t.Fatal(err)
	}
	if free == 0 {
		t.Fatalf("FreeSpace(%s) = 0 on a writable temp dir", dir)
	}
	if _, err := FreeSpace(filepath.Join(dir, "does-not-exist")); err == nil {
		t.Error("FreeSpace of a missing folder succeeded")
	}

	// Cross-check with GNU df, which reads the same counter independently.
	if runtime.GOOS != "linux" {
		return
	}
	out, err := exec.Command("df", "-B1", "--output=avail", dir).Output()
	if err != nil {
		t.Skipf("no GNU df to compare with: %v", err)
	}
	fields := strings.Fields(string(out))
	want, err := strconv.ParseUint(fields[len(fields)-1], 10, 64)
	if err != nil {
		t.Fatalf("df output %q: %v", out, err)
	}
	const slack = 256 << 20 // other processes write meanwhile
	if free+slack < want || want+slack < free {
		t.Errorf("FreeSpace = %d, df says %d", free, want)
	}
}
