//go:build !linux && !darwin

package transfer

import "net"

// setNotSentLowat: Windows has no TCP_NOTSENT_LOWAT; the sender's pushes
// then keep their order only as far as the send buffers allow.
func setNotSentLowat(net.Conn, int) {}
