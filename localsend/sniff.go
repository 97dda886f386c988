package localsend

import (
	"crypto/tls"
	"net"
	"net/netip"
	"sync"
	"time"
)

// sniffListener serves HTTPS and, when allowed, plain HTTP on one port: a
// TLS connection starts with a handshake record (0x16), HTTP with a
// letter. Sniffing happens off the accept loop, so a client that connects
// and says nothing holds up no one.
//
// Connections are capped per address (maxConnsPerAddr: more from that
// address are closed at once) and in all (max). When all are taken, the
// oldest connection of the address holding the most is closed to make
// room: a flood from a few addresses evicts itself, and a device with one
// or two connections still gets in (issue 13, item 4).
type sniffListener struct {
	net.Listener
	tlsCfg    *tls.Config
	allowHTTP bool
	max       int

	conns chan net.Conn
	done  chan struct{}
	once  sync.Once

	mu     sync.Mutex // guards err, byAddr and open
	err    error
	byAddr map[netip.Addr][]*slotConn // oldest first
	open   int
}

const sniffTimeout = 10 * time.Second

func newSniffListener(ln net.Listener, cfg *tls.Config, allowHTTP bool, max int) *sniffListener {
	l := &sniffListener{
		Listener: ln, tlsCfg: cfg, allowHTTP: allowHTTP, max: max,
		conns: make(chan net.Conn), done: make(chan struct{}),
		byAddr: map[netip.Addr][]*slotConn{},
	}
	go l.loop()
	return l
}

func (l *sniffListener) loop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			l.mu.Lock()
			l.err = err
			l.mu.Unlock()
			l.Close()
			return
		}
		sc := l.admit(c)
		if sc == nil {
			c.Close()
			continue
		}
		go func() {
			conn := l.sniff(sc)
			if conn == nil {
				return
			}
			select {
			case l.conns <- conn:
			case <-l.done:
				conn.Close()
			}
		}()
	}
}

// admit counts c against its address and the total, or returns nil when
// its address already holds maxConnsPerAddr connections.
func (l *sniffListener) admit(c net.Conn) *slotConn {
	ip := addrOf(c.RemoteAddr())
	l.mu.Lock()
	if len(l.byAddr[ip]) >= maxConnsPerAddr {
		l.mu.Unlock()
		return nil
	}
	var evict *slotConn
	if l.open >= l.max {
		var most netip.Addr
		for a, cs := range l.byAddr {
			if len(cs) > len(l.byAddr[most]) {
				most = a
			}
		}
		evict = l.byAddr[most][0]
		l.removeLocked(evict)
	}
	sc := &slotConn{Conn: c, ip: ip}
	sc.release = func() { l.mu.Lock(); l.removeLocked(sc); l.mu.Unlock() }
	l.byAddr[ip] = append(l.byAddr[ip], sc)
	l.open++
	l.mu.Unlock()
	if evict != nil {
		evict.Close()
	}
	return sc
}

// removeLocked forgets sc (once: eviction and Close may both ask).
func (l *sniffListener) removeLocked(sc *slotConn) {
	cs := l.byAddr[sc.ip]
	for i, c := range cs {
		if c == sc {
			cs = append(cs[:i:i], cs[i+1:]...)
			l.open--
			if len(cs) == 0 {
				delete(l.byAddr, sc.ip)
			} else {
				l.byAddr[sc.ip] = cs
			}
			return
		}
	}
}

func addrOf(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap.Addr().Unmap()
}

func (l *sniffListener) sniff(c *slotConn) net.Conn {
	var b [1]byte
	_ = c.SetReadDeadline(time.Now().Add(sniffTimeout))
	if n, err := c.Read(b[:]); n != 1 || err != nil {
		c.Close()
		return nil
	}
	_ = c.SetReadDeadline(time.Time{})
	pc := &prefixConn{slotConn: c, prefix: b[:]}
	if b[0] == 0x16 || !l.allowHTTP {
		// Without HTTP allowed, a plain request still goes to TLS, whose
		// server answers it with "client sent an HTTP request to an HTTPS
		// server" rather than silence.
		return tls.Server(pc, l.tlsCfg)
	}
	return pc
}

func (l *sniffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.err != nil {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

func (l *sniffListener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = l.Listener.Close()
	})
	return err
}

// slotConn gives its connection slot back when closed (once).
type slotConn struct {
	net.Conn
	ip      netip.Addr
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// prefixConn returns the sniffed byte before the rest of the stream.
type prefixConn struct {
	*slotConn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.slotConn.Read(p)
}
