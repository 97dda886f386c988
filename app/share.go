package app

import (
	"net"
	"net/netip"
	"slices"
	"strconv"

	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/share"
)

// mountShare wraps LocalSendOptions.OnStarted: every LocalSend service
// the device starts serves the device's share (package share) on its port.
func (d *Device) mountShare(next func(*localsend.Service)) func(*localsend.Service) {
	return func(svc *localsend.Service) {
		svc.SetShare(&d.shares)
		if next != nil {
			next(svc)
		}
	}
}

// Share starts sharing paths by link on the LocalSend port, replacing a
// running share; it needs LocalSend on (the port is LocalSend's, and
// LocalSend apps use the same download API). onChange hears every change
// of the share's browsers, and its end (Stop, or LocalSend stopping).
func (d *Device) Share(paths []string, onChange func()) (*share.Share, error) {
	svc := d.ls.Service()
	if svc == nil {
		return nil, &share.Error{Key: "share.err.localsend-off"}
	}
	return d.shares.Start(share.Options{
		Paths:    paths,
		Alias:    func() string { return d.Settings().DeviceName },
		PIN:      d.ls.sharePIN,
		OnChange: onChange,
		Info: func() any {
			me := svc.Self()
			me.Download = true
			return me
		},
	})
}

// sharePIN is the PIN a browser gives before the person is asked: the
// receive PIN of LocalSend (the run's flag, else the setting), read at
// every request so a changed PIN applies at once.
func (l *LocalSend) sharePIN() string { return l.pin() }

// CurrentShare is the running share, or nil.
func (d *Device) CurrentShare() *share.Share { return d.shares.Current() }

// StopShare ends the running share at once.
func (d *Device) StopShare() { d.shares.Stop() }

// ShareURLs are the addresses a browser on the network opens the share
// at: every address of this machine's up, non-loopback interfaces, IPv4
// first, over HTTPS, and over HTTP as well when LocalSend serves it.
// Loopback only when there is nothing else (a machine without a network).
func (d *Device) ShareURLs() []string {
	svc := d.ls.Service()
	if svc == nil {
		return nil
	}
	port := strconv.Itoa(svc.Port())
	addrs := shareAddrs()
	schemes := []string{"https"}
	if svc.AllowsHTTP() {
		schemes = append(schemes, "http")
	}
	var out []string
	for _, sc := range schemes {
		for _, a := range addrs {
			out = append(out, sc+"://"+net.JoinHostPort(a.String(), port)+"/")
		}
	}
	return out
}

// shareAddrs orders LANAddrs for the share sheet: the address this
// machine would use toward the default route first (the QR code shows the
// first link, and a docker or VPN bridge must not win), then IPv4, then
// IPv6. Loopback only when there is nothing else.
func shareAddrs() []netip.Addr {
	out := LANAddrs()
	if len(out) == 0 {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")} // no network: at least this machine's own browser
	}
	primary := defaultRouteAddr()
	slices.SortStableFunc(out, func(a, b netip.Addr) int {
		switch {
		case a == primary && b != primary:
			return -1
		case b == primary && a != primary:
			return 1
		case a.Is4() != b.Is4():
			if a.Is4() {
				return -1
			}
			return 1
		}
		return a.Compare(b)
	})
	return slices.Compact(out)
}

// defaultRouteAddr is the source address of the default route: connecting
// a UDP socket picks it without sending anything. Invalid without one.
func defaultRouteAddr() netip.Addr {
	c, err := net.Dial("udp4", "192.0.2.1:9") // TEST-NET-1: only the route lookup matters
	if err != nil {
		return netip.Addr{}
	}
	defer c.Close()
	ap, err := netip.ParseAddrPort(c.LocalAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
