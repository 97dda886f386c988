package localsend

import (
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// sniffListener serves HTTPS and, when allowed, plain HTTP on one port: a
// TLS connection starts with a handshake record (0x16), HTTP with a
// letter. Sniffing happens off the accept loop, so a client that connects
// and says nothing holds up no one. At most max connections are open at
// once; more are closed at once (real peers use a handful).
type sniffListener struct {
	net.Listener
	tlsCfg    *tls.Config
	allowHTTP bool

	conns chan net.Conn
	slots chan struct{}
	done  chan struct{}
	once  sync.Once

	mu  sync.Mutex // guards err
	err error
}

const sniffTimeout = 10 * time.Second

func newSniffListener(ln net.Listener, cfg *tls.Config, allowHTTP bool, max int) *sniffListener {
	l := &sniffListener{
		Listener: ln, tlsCfg: cfg, allowHTTP: allowHTTP,
		conns: make(chan net.Conn), slots: make(chan struct{}, max), done: make(chan struct{}),
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
		select {
		case l.slots <- struct{}{}:
		default:
			c.Close()
			continue
		}
		go func() {
			conn := l.sniff(&slotConn{Conn: c, release: func() { <-l.slots }})
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
