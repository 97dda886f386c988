package discovery

import (
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync"

	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

var (
	mdnsGroup4 = &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}
	mdnsGroup6 = &net.UDPAddr{IP: net.ParseIP("ff02::fb"), Port: 5353}
)

// monitor is our own mDNS socket pair, next to zeroconf's. zeroconf's
// browser reports each instance once and never its removal; the monitor
// sees every response on the link (goodbyes, refreshes, TXT and address
// changes) and sends the follow-up queries. Like zeroconf it binds port
// 5353 on the wildcard address with SO_REUSEADDR (Go sets it for multicast
// listen addresses), so every socket in the process gets a copy of each
// multicast packet, and its queries leave from port 5353 as RFC 6762 5.2
// wants for multicast answers.
type monitor struct {
	ifaces []net.Interface
	v4     *ipv4.PacketConn
	v6     *ipv6.PacketConn
	wg     sync.WaitGroup
}

// openMonitor joins the mDNS groups on ifaces. One address family failing
// (IPv6 switched off, say) is fine; both failing is an error.
func openMonitor(ifaces []net.Interface) (*monitor, error) {
	m := &monitor{ifaces: ifaces}
	var err4, err6 error
	m.v4, err4 = join4(ifaces)
	m.v6, err6 = join6(ifaces)
	if m.v4 == nil && m.v6 == nil {
		return nil, errors.Join(err4, err6)
	}
	return m, nil
}

func join4(ifaces []net.Interface) (*ipv4.PacketConn, error) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(224, 0, 0, 0), Port: 5353})
	if err != nil {
		return nil, err
	}
	pc := ipv4.NewPacketConn(c)
	_ = pc.SetControlMessage(ipv4.FlagInterface, true)
	_ = pc.SetMulticastTTL(255)
	_ = pc.SetMulticastLoopback(true)
	joined := 0
	for i := range ifaces {
		if pc.JoinGroup(&ifaces[i], &net.UDPAddr{IP: mdnsGroup4.IP}) == nil {
			joined++
		}
	}
	if joined == 0 {
		c.Close()
		return nil, errors.New("udp4: could not join the mDNS group on any interface")
	}
	return pc, nil
}

func join6(ifaces []net.Interface) (*ipv6.PacketConn, error) {
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.ParseIP("ff02::"), Port: 5353})
	if err != nil {
		return nil, err
	}
	pc := ipv6.NewPacketConn(c)
	_ = pc.SetControlMessage(ipv6.FlagInterface, true)
	_ = pc.SetMulticastHopLimit(255)
	_ = pc.SetMulticastLoopback(true)
	joined := 0
	for i := range ifaces {
		if pc.JoinGroup(&ifaces[i], &net.UDPAddr{IP: mdnsGroup6.IP}) == nil {
			joined++
		}
	}
	if joined == 0 {
		c.Close()
		return nil, errors.New("udp6: could not join the mDNS group on any interface")
	}
	return pc, nil
}

// run reads until close, handing each well-formed message to handle with
// the interface it arrived on.
func (m *monitor) run(handle func(*dns.Msg, arrival)) {
	if m.v4 != nil {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.read(func(b []byte) (int, int, net.Addr, error) {
				n, cm, src, err := m.v4.ReadFrom(b)
				if cm != nil {
					return n, cm.IfIndex, src, err
				}
				return n, 0, src, err
			}, handle)
		}()
	}
	if m.v6 != nil {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.read(func(b []byte) (int, int, net.Addr, error) {
				n, cm, src, err := m.v6.ReadFrom(b)
				if cm != nil {
					return n, cm.IfIndex, src, err
				}
				return n, 0, src, err
			}, handle)
		}()
	}
}

func (m *monitor) read(readFrom func([]byte) (int, int, net.Addr, error), handle func(*dns.Msg, arrival)) {
	buf := make([]byte, 9000) // RFC 6762 17: mDNS messages fit a jumbo frame
	for failures := 0; failures < 100; {
		n, ifIndex, src, err := readFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			failures++ // a socket that keeps failing is rebuilt by the interface watcher
			continue
		}
		failures = 0
		msg := new(dns.Msg)
		if msg.Unpack(buf[:n]) != nil {
			continue
		}
		at := arrivalFor(m.ifaces, ifIndex)
		if ua, ok := src.(*net.UDPAddr); ok {
			if ip, ok := netip.AddrFromSlice(ua.IP); ok {
				at.src = ip.Unmap()
			}
			if at.loopback && at.src.IsUnspecified() {
				// Linux reports 0.0.0.0 for some multicast looped back on
				// lo; only this machine can send there.
				at.src = netip.AddrFrom4([4]byte{127, 0, 0, 1})
				if ua.IP.To4() == nil {
					at.src = netip.IPv6Loopback()
				}
			}
		}
		handle(msg, at)
	}
}

// send multicasts msg on every interface. Errors are ignored on purpose:
// an interface that just went down is noticed by the interface watcher.
func (m *monitor) send(msg *dns.Msg) { m.sendOn(msg, true) }

// sendOn is send, over IPv6 too only when v6 is set.
func (m *monitor) sendOn(msg *dns.Msg, v6 bool) {
	buf, err := msg.Pack()
	if err != nil {
		return
	}
	// Choosing the interface per packet with a control message works on
	// Linux and Darwin only (x/net/ipv4 BUGS); elsewhere set it per socket.
	perPacket := runtime.GOOS == "linux" || runtime.GOOS == "darwin" || runtime.GOOS == "ios"
	for i := range m.ifaces {
		ifi := &m.ifaces[i]
		if m.v4 != nil {
			var cm *ipv4.ControlMessage
			if perPacket {
				cm = &ipv4.ControlMessage{IfIndex: ifi.Index}
			} else {
				_ = m.v4.SetMulticastInterface(ifi)
			}
			_, _ = m.v4.WriteTo(buf, cm, mdnsGroup4)
		}
		if m.v6 != nil && (v6 || m.v4 == nil) {
			var cm *ipv6.ControlMessage
			if perPacket {
				cm = &ipv6.ControlMessage{IfIndex: ifi.Index}
			} else {
				_ = m.v6.SetMulticastInterface(ifi)
			}
			_, _ = m.v6.WriteTo(buf, cm, mdnsGroup6)
		}
	}
}

func (m *monitor) close() {
	if m.v4 != nil {
		m.v4.Close()
	}
	if m.v6 != nil {
		m.v6.Close()
	}
	m.wg.Wait()
}
