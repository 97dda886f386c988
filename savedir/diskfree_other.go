//go:build !linux && !darwin && !freebsd && !windows

package savedir

import (
	"errors"
	"fmt"
)

// FreeSpace is unknown on this OS; callers treat the error as "don't know"
// and let the write itself fail if the disk fills.
func FreeSpace(dir string) (uint64, error) {
	return 0, fmt.Errorf("checking free space in %s: %w", dir, errors.ErrUnsupported)
}
