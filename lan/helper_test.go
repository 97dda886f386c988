package lan

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// helper runs the test binary as a small network tool on a LAN host (it is
// started there through netns.LAN.Command with LEMPAR_LAN_HELPER set) and
// prints JSON lines:
//
//	tcp-recv                    accept one TCP stream, read it to the end, ack
//	tcp-send ADDR FILE          send FILE over plain TCP, wait for the ack
//	flood ADDR N CONC WAIT      N offers from CONC connections at a time
//	probe ADDR                  hello probes, one line each, until killed
//	hold ADDR N                 keep N silent TCP connections open, until killed
func helper(what string) int {
	f := strings.Fields(what)
	out := json.NewEncoder(os.Stdout)
	var err error
	switch {
	case f[0] == "tcp-recv" && len(f) == 1:
		err = tcpRecv(out)
	case f[0] == "tcp-send" && len(f) == 3:
		err = tcpSend(out, f[1], f[2])
	case f[0] == "flood" && len(f) == 5:
		n, _ := strconv.Atoi(f[2])
		conc, _ := strconv.Atoi(f[3])
		wait, _ := time.ParseDuration(f[4])
		err = flood(out, f[1], n, conc, wait)
	case f[0] == "probe" && len(f) == 2:
		err = probeLoop(out, f[1])
	case f[0] == "hold" && len(f) == 3:
		n, _ := strconv.Atoi(f[2])
		err = hold(out, f[1], n)
	default:
		err = fmt.Errorf("unknown helper %q", what)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

// ceilingBuf matches the big buffers a tuned copy (and Lempar) uses.
const ceilingBuf = 1 << 20

func tcpRecv(out *json.Encoder) error {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		return err
	}
	defer ln.Close()
	_ = out.Encode(map[string]any{"event": "listening", "port": ln.Addr().(*net.TCPAddr).Port})
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{c}, make([]byte, ceilingBuf))
	if err != nil {
		return err
	}
	// The ack tells the sender every byte arrived, so its clock covers
	// delivery, not just filling its socket buffer.
	if _, err := c.Write([]byte{1}); err != nil {
		return err
	}
	return out.Encode(map[string]any{"event": "done", "bytes": n})
}

func tcpSend(out *json.Encoder, addr, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	n, err := io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{f}, make([]byte, ceilingBuf))
	if err != nil {
		return err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		return fmt.Errorf("no ack from the receiver: %w", err)
	}
	return out.Encode(map[string]any{"event": "done", "bytes": n, "seconds": time.Since(start).Seconds()})
}
