//go:build unix

package savedir

import "golang.org/x/sys/unix"

// CanWrite reports whether this process may create files in dir, without
// creating anything (nothing may touch the download folder before consent).
func CanWrite(dir string) error { return unix.Access(dir, unix.W_OK) }
