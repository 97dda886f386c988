//go:build linux

package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/spf13/cobra"

	"github.com/lempar/lempar/transfer"
)

// The reference for one large file is the fastest honest copy from a file,
// over TLS 1.3 with Lempar's own TLS setup, into a file made durable: two
// processes like a real transfer, and nothing else. No protocol, no
// hashing, no progress; 1 MiB reads and writes on every side (each write to
// the TLS connection is exactly 64 full records); and on each side one
// goroutine reads while another writes, so the sender's file reads overlap
// its encryption and the receiver's decryption overlaps its file writes, as
// in Lempar's own pipeline. The receiver fsyncs once at the end, as Lempar
// does for a large file.
const (
	copyBuf   = 1 << 20
	copyDepth = 4
)

// newHelperCmd is the bare copy's two processes. Only the benchmark calls
// it, so it is hidden.
//
//	helper tls-recv OUT      listen on 127.0.0.1, write one stream to OUT
//	helper tls-send ADDR IN  send IN to ADDR
//
// --buf and --depth are there to check by hand that no other setting copies
// faster on a given machine.
func newHelperCmd() *cobra.Command {
	var bufSize, depth int
	cmd := &cobra.Command{
		Use:    "helper",
		Hidden: true,
		Args:   cobra.RangeArgs(2, 3),
		RunE: func(_ *cobra.Command, args []string) error {
			if bufSize < 1 || depth < 1 {
				return fmt.Errorf("helper: --buf and --depth must be positive")
			}
			out := json.NewEncoder(os.Stdout)
			id, err := transfer.NewEphemeralIdentity()
			if err != nil {
				return err
			}
			var n int64
			var suite string
			switch {
			case args[0] == "tls-recv" && len(args) == 2:
				n, suite, err = helperReceive(id, args[1], out, bufSize, depth)
			case args[0] == "tls-send" && len(args) == 3:
				n, err = helperSend(id, args[1], args[2], bufSize, depth)
			default:
				return fmt.Errorf("helper: unknown use %q", args)
			}
			if err != nil {
				return err
			}
			return out.Encode(map[string]any{"event": "done", "bytes": n, "suite": suite})
		},
	}
	cmd.Flags().IntVar(&bufSize, "buf", copyBuf, "bytes per read and write")
	cmd.Flags().IntVar(&depth, "depth", copyDepth, "buffers in flight between the reading and the writing goroutine")
	return cmd
}

func helperReceive(id *transfer.Identity, path string, out *json.Encoder, bufSize, depth int) (int64, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, "", err
	}
	defer ln.Close()
	if err := out.Encode(map[string]any{"event": "listening", "port": ln.Addr().(*net.TCPAddr).Port}); err != nil {
		return 0, "", err
	}
	raw, err := ln.Accept()
	if err != nil {
		return 0, "", err
	}
	c := tls.Server(raw, id.ServerTLS())
	defer c.Close()
	if err := c.Handshake(); err != nil {
		return 0, "", err
	}
	suite := tls.CipherSuiteName(c.ConnectionState().CipherSuite)
	f, err := os.Create(path)
	if err != nil {
		return 0, suite, err
	}
	defer f.Close()
	n, err := pipeCopy(f, c, bufSize, depth)
	if err != nil {
		return n, suite, err
	}
	if err := f.Sync(); err != nil {
		return n, suite, err
	}
	return n, suite, f.Close()
}

func helperSend(id *transfer.Identity, addr, path string, bufSize, depth int) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	c := tls.Client(raw, id.ClientTLS(""))
	n, err := pipeCopy(c, f, bufSize, depth)
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// pipeCopy copies src to dst through depth buffers of size bytes: a
// goroutine fills them from src (whole buffers: a TLS read returns one
// 16 KiB record at most) while this one writes them to dst.
func pipeCopy(dst io.Writer, src io.Reader, size, depth int) (int64, error) {
	free := make(chan []byte, depth)
	for range depth {
		free <- make([]byte, size)
	}
	// Only depth buffers exist, so neither channel ever blocks a sender.
	full := make(chan []byte, depth)
	rerr := make(chan error, 1)
	go func() {
		defer close(full)
		for buf := range free {
			n, err := io.ReadFull(src, buf)
			if n > 0 {
				full <- buf[:n]
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = nil
				break
			}
			if err != nil {
				rerr <- err
				return
			}
		}
		rerr <- nil
	}()
	var total int64
	for buf := range full {
		n, err := dst.Write(buf)
		total += int64(n)
		if err != nil {
			// The reader may be blocked on src; the process is about to
			// exit with this error anyway.
			return total, err
		}
		free <- buf[:cap(buf)]
	}
	return total, <-rerr
}
