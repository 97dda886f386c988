//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// flushTypeahead discards what was typed at the terminal and not read yet,
// the unfinished line included (TIOCFLUSH of the read queue).
func flushTypeahead(f *os.File) { _ = unix.IoctlSetPointerInt(int(f.Fd()), unix.TIOCFLUSH, fread) }

// fread is FREAD of <sys/fcntl.h> (the read queue), which x/sys/unix
// doesn't name on every BSD.
const fread = 0x1
