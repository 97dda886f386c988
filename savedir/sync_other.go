//go:build !linux

package savedir

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// syncBatch fsyncs each partial; other systems have no syncfs.
func syncBatch(root *os.Root, partials []string) error {
	for _, p := range partials {
		f, err := root.OpenFile(filepath.FromSlash(p), os.O_RDWR, 0)
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func isNoSpace(err error) bool  { return errors.Is(err, syscall.ENOSPC) }
func isReadOnly(err error) bool { return errors.Is(err, syscall.EROFS) }
