package app

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/lempar/lempar/internal/i18n"
)

// ReachTimeout bounds each connection attempt of CheckReach: a firewall that
// drops packets makes a connect hang, and the answer is wanted at start-up.
const ReachTimeout = 2 * time.Second

// ReachState is what a reachability check concluded.
type ReachState int

const (
	// ReachOK: a LAN address of this device accepted a connection, and no
	// host firewall is known to be on.
	ReachOK ReachState = iota
	// ReachFirewallOn: an address answered, but a host firewall is on. A
	// connection from this machine to itself passes such firewalls (they
	// trust local traffic), so other devices may still be shut out.
	ReachFirewallOn
	// ReachBlocked: no LAN address of this device answered on the port.
	ReachBlocked
	// ReachNoNetwork: this device has no LAN address to be reached on.
	ReachNoNetwork
)

// Host firewalls DetectFirewall recognises.
const (
	FirewallUFW       = "ufw"
	FirewallFirewalld = "firewalld"
	FirewallWindows   = "windows"
	FirewallMacOS     = "macos"
)

// ReachResult is one address CheckReach tried.
type ReachResult struct {
	Addr netip.AddrPort
	Err  error // nil when the connection was accepted
}

// ReachReport is the outcome of CheckReach; Hint turns it into advice.
type ReachReport struct {
	Port     int
	OS       string // the GOOS the hint is written for
	Firewall string // a Firewall* constant, "" when none was seen
	Results  []ReachResult
}

// ReachOptions configure CheckReach. Zero values mean: this machine's LAN
// addresses, its OS and firewall, and ReachTimeout.
type ReachOptions struct {
	Port     int          // the receiver's listening port (Node.Port)
	Addrs    []netip.Addr // addresses to try; nil means LANAddrs()
	OS       string       // runtime.GOOS if ""
	Firewall func() string
	Timeout  time.Duration
}

// CheckReach connects to the receiver's port on each of this device's own
// addresses, as another device on the LAN would, and hangs up (the receiver
// treats that as a probe). It only ever dials addresses of this machine.
// Call it once the receiver's socket is open (after Node.Listen): the
// kernel accepts connections from then on, before ServeReceiver runs. It
// returns within seconds (o.Timeout per address, in parallel); if ctx ends
// first the report means nothing.
func CheckReach(ctx context.Context, o ReachOptions) ReachReport {
	if o.Addrs == nil {
		o.Addrs = LANAddrs()
	}
	if o.OS == "" {
		o.OS = runtime.GOOS
	}
	if o.Firewall == nil {
		goos := o.OS
		o.Firewall = func() string { return DetectFirewall(goos, "/") }
	}
	if o.Timeout <= 0 {
		o.Timeout = ReachTimeout
	}
	r := ReachReport{Port: o.Port, OS: o.OS, Firewall: o.Firewall(), Results: make([]ReachResult, len(o.Addrs))}
	var wg sync.WaitGroup
	for i, a := range o.Addrs {
		ap := netip.AddrPortFrom(a, uint16(o.Port))
		r.Results[i].Addr = ap
		wg.Go(func() {
			d := net.Dialer{Timeout: o.Timeout}
			c, err := d.DialContext(ctx, "tcp", ap.String())
			if err == nil {
				c.Close()
			}
			r.Results[i].Err = err
		})
	}
	wg.Wait()
	return r
}

// State sums the report up.
func (r ReachReport) State() ReachState {
	if len(r.Results) == 0 {
		return ReachNoNetwork
	}
	for _, res := range r.Results {
		if res.Err == nil {
			if r.Firewall != "" {
				return ReachFirewallOn
			}
			return ReachOK
		}
	}
	return ReachBlocked
}

// Hint says what is wrong and what to do, in tr's language, when other
// devices surely can't reach this one (ReachBlocked, ReachNoNetwork); ""
// otherwise. Show it whenever it is not empty.
func (r ReachReport) Hint(tr *i18n.Translator) string {
	switch s := r.State(); s {
	case ReachBlocked, ReachNoNetwork:
		return tr.T(hintKey(s, r.hintKind()), "Port", strconv.Itoa(r.Port))
	}
	return ""
}

// FirewallAdvice is the "if others can't see you" advice for ReachFirewallOn,
// "" otherwise. It is a maybe (on Windows it is always there), so it belongs
// on first run or behind a help button, not on every start.
func (r ReachReport) FirewallAdvice(tr *i18n.Translator) string {
	if r.State() != ReachFirewallOn {
		return ""
	}
	return tr.T(hintKey(ReachFirewallOn, r.hintKind()), "Port", strconv.Itoa(r.Port))
}

// hintKind picks which advice fits: the firewall seen, else the OS.
func (r ReachReport) hintKind() string {
	if r.Firewall != "" {
		return r.Firewall
	}
	switch r.OS {
	case "windows":
		return FirewallWindows
	case "darwin":
		return FirewallMacOS
	case "linux":
		return "linux"
	}
	return "other"
}

func hintKey(s ReachState, kind string) string {
	switch s {
	case ReachNoNetwork:
		return "reach.nonetwork"
	case ReachFirewallOn:
		// only made when a firewall was seen, so kind names one
		switch kind {
		case FirewallUFW:
			return "reach.firewall.ufw"
		case FirewallFirewalld:
			return "reach.firewall.firewalld"
		case FirewallWindows:
			return "reach.firewall.windows"
		case FirewallMacOS:
			return "reach.firewall.macos"
		}
	case ReachBlocked:
		switch kind {
		case FirewallUFW:
			return "reach.blocked.ufw"
		case FirewallFirewalld:
			return "reach.blocked.firewalld"
		case FirewallWindows:
			return "reach.blocked.windows"
		case FirewallMacOS:
			return "reach.blocked.macos"
		case "linux":
			return "reach.blocked.linux"
		}
		return "reach.blocked.other"
	}
	return ""
}

// LANAddrs lists the addresses other devices could reach this one on: IPv4
// and global IPv6 addresses of interfaces that are up, loopback left out.
// Link-local IPv6 is left out too: dialing it needs a zone, and peers on the
// LAN use the IPv4 or global address discovery announced.
func LANAddrs() []netip.Addr {
	var out []netip.Addr
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap()
			if ip.Is4() || ip.IsGlobalUnicast() {
				out = append(out, ip)
			}
		}
	}
	return out
}
