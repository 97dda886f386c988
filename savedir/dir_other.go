//go:build !linux

package savedir

import (
	"errors"
	"os"
)

// Elsewhere the inbox uses os.Root for everything (see inbox_linux.go).

func openFolder(*os.Root) *os.File { return nil }

func (s *subRoot) create(name string, perm os.FileMode) (*os.File, error) {
	return s.r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
}

func (s *subRoot) renameNoReplace(string, *subRoot, string) error { return errors.ErrUnsupported }
