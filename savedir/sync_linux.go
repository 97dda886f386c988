package savedir

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// syncBatch makes a batch of closed partials durable. On Linux one syncfs
// costs about what one fsync does, which is what makes thousands of small
// files fast without renaming anything before its bytes are on disk.
func syncBatch(root *os.Root, _ []string) error {
	d, err := root.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}

func isNoSpace(err error) bool  { return errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EDQUOT) }
func isReadOnly(err error) bool { return errors.Is(err, unix.EROFS) }
