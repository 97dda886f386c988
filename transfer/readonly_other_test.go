//go:build !linux

package transfer

import (
	"os"
	"runtime"
	"testing"
)

// makeReadOnly: see readonly_linux_test.go. Windows ignores a folder's
// read-only flag for creating files, so the check only runs on Unix here.
func makeReadOnly(t *testing.T, dir string) {
	t.Helper()
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("no way to make a folder read-only for this process here")
	}
	if err := os.MkdirAll(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
}
