package transfer

import (
	"os"

	"golang.org/x/sys/unix"
)

// openSource opens a file to send. os.Open would also try to make it
// pollable (four fcntl calls and a failed epoll registration for every
// regular file), which is a third of the system calls a small file costs.
func openSource(name string) (*os.File, error) {
	fd, err := unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}
