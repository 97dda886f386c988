package savedir

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// On Linux the inbox works on its open folders with the *at system calls
// directly. os.Root would make each small file cost four extra fcntl calls
// and a failed epoll registration (Go tries to make every opened file
// pollable), and has no no-replace rename, so placing a file took a link
// and a remove. Names here are single, validated path elements and
// O_NOFOLLOW keeps a planted symlink from being followed.

func openFolder(r *os.Root) *os.File {
	d, err := r.Open(".")
	if err != nil {
		return nil
	}
	return d
}

// create makes (or truncates) a partial file for writing.
func (s *subRoot) create(name string, perm os.FileMode) (*os.File, error) {
	if s.d == nil {
		return s.r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	}
	fd, err := unix.Openat(int(s.d.Fd()), name, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm))
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}

// renameNoReplace renames from in this folder to to in folder t unless to
// exists (fs.ErrExist). errors.ErrUnsupported means the file system can't
// (FAT, some network shares): the caller links instead.
func (s *subRoot) renameNoReplace(from string, t *subRoot, to string) error {
	if s.d == nil || t.d == nil {
		return errors.ErrUnsupported
	}
	err := unix.Renameat2(int(s.d.Fd()), from, int(t.d.Fd()), to, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP):
		return errors.ErrUnsupported
	}
	return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
}
