package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// flushTypeahead discards what was typed at the terminal and not read yet,
// the unfinished line included (tcflush TCIFLUSH).
func flushTypeahead(f *os.File) { _ = unix.IoctlSetInt(int(f.Fd()), unix.TCFLSH, unix.TCIFLUSH) }
