//go:build !linux

package savedir

import "os"

// openExisting opens the existing regular file name in this folder with
// flag, never through a symlink (see openRootNoFollow).
func (s *subRoot) openExisting(name string, flag int) (*os.File, error) {
	f, err := s.openRootNoFollow(name, flag)
	if err != nil {
		return nil, err
	}
	return checkRegular(f, name)
}
