//go:build unix && !(darwin || freebsd || netbsd || openbsd || dragonfly)

package localsend

// Linux shares a multicast port between SO_REUSEADDR sockets; SO_REUSEPORT
// would also spread unicast datagrams among them, which no one wants here.
func reusePort(int) error { return nil }
