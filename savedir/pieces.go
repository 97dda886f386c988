package savedir

import (
	"errors"
	"io/fs"
	"os"
)

// A swarm (transfer's swarm_doc.go) writes a file's pieces in any order and
// serves them to other receivers, from the partial while it grows and from
// the placed file once it is done.

// PartialRW opens a partial for reading and writing at any offset, creating
// it if missing; it never truncates. Like OpenPartial it refuses anything
// but a plain file (no symlinks).
func (ib *Dir) PartialRW(partial string, mode uint32) (*os.File, error) {
	if err := ib.mkPartialDir(); err != nil {
		return nil, err
	}
	s, name, done := ib.at(partial)
	defer done()
	f, err := s.openExisting(name, os.O_RDWR)
	if errors.Is(err, fs.ErrNotExist) {
		perm := os.FileMode(0o644)
		if mode&0o111 != 0 {
			perm = 0o755
		}
		c, cerr := s.create(name, perm)
		if cerr != nil {
			return nil, DiskErr(cerr, partial)
		}
		c.Close()
		f, err = s.openExisting(name, os.O_RDWR)
	}
	if err != nil {
		return nil, DiskErr(err, partial)
	}
	return f, nil
}

// OpenPlaced opens a file this folder holds (a placed download) for
// reading, never through a symlink.
func (ib *Dir) OpenPlaced(p string) (*os.File, error) {
	if err := ValidateRelPath(p); err != nil {
		return nil, err
	}
	s, name, done := ib.at(p)
	defer done()
	f, err := s.openExisting(name, os.O_RDONLY)
	if err != nil {
		return nil, DiskErr(err, p)
	}
	return f, nil
}
