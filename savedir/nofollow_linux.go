package savedir

import (
	"os"

	"golang.org/x/sys/unix"
)

// openExisting opens the existing file name in this folder with flag, never
// through a symlink (O_NOFOLLOW, checked by the kernel in the same call), and
// only if it is a regular file: a partial planted as a link to another file,
// or a FIFO or device, is refused rather than read or written through.
func (s *subRoot) openExisting(name string, flag int) (*os.File, error) {
	var f *os.File
	if s.d != nil {
		fd, err := unix.Openat(int(s.d.Fd()), name, flag|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
		f = os.NewFile(uintptr(fd), name)
	} else {
		var err error
		if f, err = s.openRootNoFollow(name, flag); err != nil {
			return nil, err
		}
	}
	return checkRegular(f, name)
}
