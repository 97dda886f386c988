package errcode

import (
	"errors"
	"syscall"
)

// Winsock reports socket failures with its own numbers, which the Unix
// names in syscall don't match on Windows.
func platformCauseKey(err error) string {
	var en syscall.Errno
	if !errors.As(err, &en) {
		return ""
	}
	switch en {
	case 10061: // WSAECONNREFUSED
		return "err.cause.refused"
	case 10065, 10051, 10064, 10050: // WSAEHOSTUNREACH, WSAENETUNREACH, WSAEHOSTDOWN, WSAENETDOWN
		return "err.cause.no-route"
	case syscall.WSAECONNRESET, syscall.WSAECONNABORTED:
		return "err.cause.closed"
	}
	return ""
}
