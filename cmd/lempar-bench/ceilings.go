//go:build linux

package main

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"

	"github.com/lempar/lempar/transfer"
)

// ceilingBuf is the buffer size of every in-process ceiling: big enough
// that syscalls cost nothing next to the bytes.
const ceilingBuf = 1 << 20

// tcpCeiling times size bytes through a loopback TCP connection, written
// and read in 1 MiB buffers. It is what the link allows with no crypto.
func tcpCeiling(size int64) (time.Duration, error) {
	return loopbackCeiling(size, func(c net.Conn) net.Conn { return c }, func(c net.Conn) net.Conn { return c })
}

// tlsCeiling is tcpCeiling through TLS 1.3 with Lempar's own TLS setup,
// read and thrown away: what the crypto allows with no disk.
func tlsCeiling(size int64) (time.Duration, error) {
	srv, err := transfer.NewEphemeralIdentity()
	if err != nil {
		return 0, err
	}
	cli, err := transfer.NewEphemeralIdentity()
	if err != nil {
		return 0, err
	}
	return loopbackCeiling(size,
		func(c net.Conn) net.Conn { return tls.Server(c, srv.ServerTLS()) },
		func(c net.Conn) net.Conn { return tls.Client(c, cli.ClientTLS("")) })
}

func loopbackCeiling(size int64, server, client func(net.Conn) net.Conn) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	type result struct {
		n   int64
		err error
	}
	got := make(chan result, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			got <- result{err: err}
			return
		}
		c := server(raw)
		defer c.Close()
		n, err := drain(c)
		got <- result{n, err}
	}()
	buf := randomBlock(ceilingBuf)
	start := time.Now()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return 0, err
	}
	c := client(raw)
	var werr error
	for off := int64(0); off < size && werr == nil; {
		n := min(int64(len(buf)), size-off)
		_, werr = c.Write(buf[:n])
		off += n
	}
	if werr == nil {
		werr = c.Close()
	} else {
		c.Close()
	}
	r := <-got
	elapsed := time.Since(start)
	if err := errors.Join(werr, r.err); err != nil {
		return 0, err
	}
	if r.n != size {
		return 0, io.ErrUnexpectedEOF
	}
	return elapsed, nil
}

// drain reads r to the end with a 1 MiB buffer. (io.Copy to io.Discard
// would use Discard's small internal buffer instead.)
func drain(r io.Reader) (int64, error) {
	buf := make([]byte, ceilingBuf)
	var total int64
	for {
		n, err := r.Read(buf)
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
