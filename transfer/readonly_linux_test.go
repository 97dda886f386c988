//go:build linux

package transfer

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// makeReadOnly makes dir unwritable for this process. Permission bits don't
// stop root, so as root (CI) a read-only tmpfs is mounted over it instead:
// the same EROFS a full-disk remount or a locked SD card gives.
func makeReadOnly(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
		return
	}
	if err := unix.Mount("lempar-test", dir, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, "size=1m"); err != nil {
		t.Skipf("can't mount a read-only tmpfs here: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
}
