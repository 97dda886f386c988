package app

import (
	"errors"
	"net"
	"sync"
)

// switchListener is the receiver's listener across port changes: the
// transfer server sees one listener for the whole run, and a new port
// replaces the socket underneath without touching sessions in flight.
type switchListener struct {
	conns chan net.Conn
	done  chan struct{}

	mu     sync.Mutex // guards cur, closed
	cur    net.Listener
	closed bool
	wg     sync.WaitGroup // accept loops
}

func newSwitchListener(ln net.Listener) *switchListener {
	l := &switchListener{conns: make(chan net.Conn), done: make(chan struct{})}
	l.swap(ln)
	return l
}

// swap starts accepting on ln and closes the previous socket.
func (l *switchListener) swap(ln net.Listener) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		ln.Close()
		return
	}
	old := l.cur
	l.cur = ln
	l.wg.Add(1)
	l.mu.Unlock()
	if old != nil {
		old.Close()
	}
	go l.acceptLoop(ln)
}

func (l *switchListener) acceptLoop(ln net.Listener) {
	defer l.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed: swapped or shut down
		}
		select {
		case l.conns <- c:
		case <-l.done:
			c.Close()
			return
		}
	}
}

func (l *switchListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *switchListener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	cur := l.cur
	close(l.done)
	l.mu.Unlock()
	err := cur.Close()
	l.wg.Wait()
	return err
}

func (l *switchListener) Addr() net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur.Addr()
}
