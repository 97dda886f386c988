//go:build unix

package localsend

import "syscall"

// reuseControl lets the LocalSend app itself, or a second Lempar, bind the
// same multicast port on this machine: each gets every announcement.
func reuseControl(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		if serr == nil {
			serr = reusePort(int(fd))
		}
	})
	if err != nil {
		return err
	}
	return serr
}
