//go:build linux || darwin

package transfer

import (
	"net"

	"golang.org/x/sys/unix"
)

// setNotSentLowat caps how much of c's data may wait unsent in the kernel:
// a write returns once the rest is about to go on the wire, not when it
// fits in a send buffer that can hold seconds of a slow link. Best effort:
// a connection that is not TCP is left as it is.
func setNotSentLowat(c net.Conn, n int) {
	tc := tcpConn(c)
	if tc == nil {
		return
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT, n)
	})
}

// tcpConn is the TCP connection under c, through the batching layer.
func tcpConn(c net.Conn) *net.TCPConn {
	if bc, ok := c.(*batchConn); ok {
		c = bc.Conn
	}
	tc, _ := c.(*net.TCPConn)
	return tc
}
