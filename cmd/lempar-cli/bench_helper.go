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

func init() { subcommands = append(subcommands, newBenchHelperCmd) }

// newBenchHelperCmd is the other process of the end-to-end ceiling: a bare
// TLS 1.3 copy from a file to a file with fsync and no protocol, run as two
// processes like a real transfer. Only bench calls it, so it is hidden.
//
//	bench-helper tls-recv OUT      listen on 127.0.0.1, write one stream to OUT
//	bench-helper tls-send ADDR IN  send IN to ADDR
func newBenchHelperCmd(*globals) *cobra.Command {
	return &cobra.Command{
		Use:    "bench-helper",
		Hidden: true,
		Args:   cobra.RangeArgs(2, 3),
		RunE: func(_ *cobra.Command, args []string) error {
			out := json.NewEncoder(os.Stdout)
			id, err := transfer.NewEphemeralIdentity()
			if err != nil {
				return err
			}
			var n int64
			switch {
			case args[0] == "tls-recv" && len(args) == 2:
				n, err = helperReceive(id, args[1], out)
			case args[0] == "tls-send" && len(args) == 3:
				n, err = helperSend(id, args[1], args[2])
			default:
				return fmt.Errorf("bench-helper: unknown use %q", args)
			}
			if err != nil {
				return err
			}
			return out.Encode(map[string]any{"event": "done", "bytes": n})
		},
	}
}

func helperReceive(id *transfer.Identity, path string, out *json.Encoder) (int64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	if err := out.Encode(map[string]any{"event": "listening", "port": ln.Addr().(*net.TCPAddr).Port}); err != nil {
		return 0, err
	}
	raw, err := ln.Accept()
	if err != nil {
		return 0, err
	}
	c := tls.Server(raw, id.ServerTLS())
	defer c.Close()
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	// A TLS read returns one 16 KiB record; filling the whole buffer first
	// keeps file writes at 1 MiB, as a tuned copy would.
	buf := make([]byte, ceilingBuf)
	var total int64
	for {
		n, err := io.ReadFull(c, buf)
		if n > 0 {
			if _, werr := f.Write(buf[:n]); werr != nil {
				return total, werr
			}
			total += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return total, err
		}
	}
	if err := f.Sync(); err != nil {
		return total, err
	}
	return total, f.Close()
}

func helperSend(id *transfer.Identity, addr, path string) (int64, error) {
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
	// Plain Reader and Writer views make io.CopyBuffer use our 1 MiB buffer
	// rather than os.File's WriteTo with its 32 KiB one.
	n, err := io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{f}, make([]byte, ceilingBuf))
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	return n, err
}
