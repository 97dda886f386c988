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
	addrs := lanAddrs()
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

// lanAddrs lists this machine's addresses other devices can reach: IPv4
// and global IPv6 of up interfaces; link-local IPv6 needs a zone that a
// URL can't carry to another machine.
func lanAddrs() []netip.Addr {
	var out, lo []netip.Addr
	ifs, _ := net.Interfaces()
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		as, _ := ifc.Addrs()
		for _, a := range as {
			pfx, err := netip.ParsePrefix(a.String())
			if err != nil {
				continue
			}
			ip := pfx.Addr().Unmap()
			switch {
			case ip.IsLoopback():
				lo = append(lo, ip)
			case ip.Is4() || ip.IsGlobalUnicast() && !ip.IsLinkLocalUnicast():
				out = append(out, ip)
			}
		}
	}
	if len(out) == 0 {
		out = lo
	}
	slices.SortStableFunc(out, func(a, b netip.Addr) int {
		if a.Is4() != b.Is4() {
			if a.Is4() {
				return -1
			}
			return 1
		}
		return a.Compare(b)
	})
	return slices.Compact(out)
}
