//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package localsend

import "golang.org/x/sys/unix"

// BSD kernels share a multicast port only between SO_REUSEPORT sockets.
func reusePort(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1) }
