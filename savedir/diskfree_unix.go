//go:build linux || darwin || freebsd

package savedir

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// FreeSpace returns the bytes an unprivileged user may still write under
// dir. Bavail, not Bfree: the blocks reserved for root are no use to us.
func FreeSpace(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("checking free space in %s: %w", dir, err)
	}
	// FreeBSD reports Bavail as signed; it goes negative once the reserve
	// is in use.
	if int64(st.Bavail) <= 0 {
		return 0, nil
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
