package savedir

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// FreeSpace returns the bytes the current user may still write under dir;
// the "available to caller" figure honours disk quotas.
func FreeSpace(dir string) (uint64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, fmt.Errorf("checking free space in %s: %w", dir, err)
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return 0, fmt.Errorf("checking free space in %s: %w", dir, err)
	}
	return avail, nil
}
