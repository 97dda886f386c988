package savedir

import (
	"io/fs"
	"os"
)

// errNotRegular refuses a partial that is not a plain file.
var errNotRegular = fs.ErrInvalid

// checkRegular closes f and fails unless it is a regular file.
func checkRegular(f *os.File, name string) (*os.File, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &os.PathError{Op: "stat", Path: name, Err: err}
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: name, Err: errNotRegular}
	}
	return f, nil
}

// openRootNoFollow opens name in the root unless it is a symlink: os.Root
// follows links that stay inside it, which for a partial would mean writing
// into whatever file the link names. The Lstat and the open are two calls;
// comparing the two results closes the gap.
func (s *subRoot) openRootNoFollow(name string, flag int) (*os.File, error) {
	lst, err := s.r.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !lst.Mode().IsRegular() {
		return nil, &os.PathError{Op: "open", Path: name, Err: errNotRegular}
	}
	f, err := s.r.OpenFile(name, flag, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil || !os.SameFile(lst, st) {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: name, Err: errNotRegular}
	}
	return f, nil
}
