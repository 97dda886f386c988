//go:build unix

package transfer

import "golang.org/x/sys/unix"

// canWrite reports whether this process may create files in dir, without
// creating anything (nothing may touch the download folder before consent).
func canWrite(dir string) error { return unix.Access(dir, unix.W_OK) }
