package discovery

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// watchAddrs tells changed (without blocking, coalescing) whenever a link
// or an interface address comes or goes, so a new address (Wi-Fi roaming,
// DHCP renumbering, a cable plugged in) is announced at once rather than at
// the next netCheckEvery. It listens on a route netlink socket; the
// returned stop closes it. On failure it returns nil and the periodic
// check still catches every change, only later.
func watchAddrs(changed chan<- struct{}) (stop func()) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return nil
	}
	sa := &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: unix.RTMGRP_LINK | unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil
	}
	// Through the runtime's poller, so Close wakes the reader (netlink
	// sockets can't be shut down).
	f := os.NewFile(uintptr(fd), "netlink-route")
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			n, err := f.Read(buf)
			switch {
			case errors.Is(err, syscall.ENOBUFS):
				// Messages were dropped: something changed.
			case err != nil || n == 0:
				return
			}
			notify(changed)
		}
	}()
	return func() {
		f.Close()
		<-done
	}
}

func notify(c chan<- struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
