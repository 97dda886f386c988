package transfer

import (
	"io"
	"net"
	"sync"
)

// batchConnSize holds the TLS records of one frame write: a data frame is
// ChunkSize bytes (16 records of 16 KiB), the frame writer's buffer flushes
// at most ChunkSize+64 KiB (20 records), and each record adds 22 bytes.
const batchConnSize = ChunkSize + 80<<10

// batchConn sits between a TLS connection and its socket so that one frame
// write leaves in one system call. crypto/tls writes each record (16 KiB at
// most) with a write of its own, so a 256 KiB data frame cost 16 writes to
// the socket, each a trip through the TCP stack (and, on loopback, through
// the receiver's side too). Between begin and end the records collect in
// buf and end writes them at once. Everything else — the handshake, alerts,
// whatever crypto/tls sends by itself — goes straight through, so nothing
// can be left waiting in buf.
type batchConn struct {
	net.Conn

	mu       sync.Mutex // guards everything below; held across the socket write
	batching bool
	buf      []byte
	err      error // the first failed write: the stream is broken from there on
}

func newBatchConn(c net.Conn) *batchConn {
	return &batchConn{Conn: c}
}

func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if !c.batching {
		return c.writeLocked(p)
	}
	if len(c.buf)+len(p) > cap(c.buf) {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > cap(c.buf) {
			return c.writeLocked(p)
		}
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

func (c *batchConn) writeLocked(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil {
		c.err = err
	}
	return n, err
}

func (c *batchConn) flushLocked() error {
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.writeLocked(c.buf)
	c.buf = c.buf[:0]
	return err
}

// begin starts collecting records.
func (c *batchConn) begin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		c.buf = make([]byte, 0, batchConnSize)
	}
	c.batching = true
}

// end writes what was collected since begin.
func (c *batchConn) end() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batching = false
	if c.err != nil {
		c.buf = c.buf[:0]
		return c.err
	}
	return c.flushLocked()
}

// batchWriter writes to a TLS connection whose socket is a batchConn: each
// Write's records are sent together.
type batchWriter struct {
	tls io.Writer
	bc  *batchConn
}

func (w batchWriter) Write(p []byte) (int, error) {
	w.bc.begin()
	n, err := w.tls.Write(p)
	if ferr := w.bc.end(); err == nil && ferr != nil {
		err = ferr
	}
	return n, err
}
