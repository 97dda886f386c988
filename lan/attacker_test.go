package lan

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/lempar/lempar/transfer"
)

// The hostile side of the flood tests, run as helpers on a LAN host: a
// minimal client of the wire format (TLS, then type|length|JSON frames, see
// transfer/doc.go) that offers and hangs up, a prober, and a holder of
// silent connections.

// floodResult counts how the receiver answered a flood of offers.
type floodResult struct {
	Sent     int64   `json:"sent"`    // offers written
	Busy     int64   `json:"busy"`    // refused with error "busy"
	Decided  int64   `json:"decided"` // a decision came back (accept or not)
	Pending  int64   `json:"pending"` // no answer within the wait; we hung up
	Failed   int64   `json:"failed"`  // connection or handshake failed
	Seconds  float64 `json:"seconds"` // wall time of the whole flood
	LastFail string  `json:"last_fail"`
}

// flood offers a one-character text n times from one device identity, conc
// connections at a time, as fast as the receiver answers. Each connection
// waits up to wait for a decision, then hangs up.
func flood(out *json.Encoder, addr string, n, conc int, wait time.Duration) error {
	id, err := transfer.NewEphemeralIdentity()
	if err != nil {
		return err
	}
	var r floodResult
	var mu sync.Mutex // guards r.LastFail
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				res, err := floodOne(id, addr, wait)
				switch {
				case err != nil:
					atomic.AddInt64(&r.Failed, 1)
					mu.Lock()
					r.LastFail = err.Error()
					mu.Unlock()
					continue
				case res == "busy":
					atomic.AddInt64(&r.Busy, 1)
				case res == "decided":
					atomic.AddInt64(&r.Decided, 1)
				case res == "pending":
					atomic.AddInt64(&r.Pending, 1)
				}
				atomic.AddInt64(&r.Sent, 1)
			}
		}()
	}
	wg.Wait()
	r.Seconds = time.Since(start).Seconds()
	return out.Encode(map[string]any{"event": "flood", "result": r})
}

// floodOne makes one connection and one offer; it returns "busy",
// "decided" or "pending".
func floodOne(id *transfer.Identity, addr string, wait time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer raw.Close()
	c := tls.Client(raw, id.ClientTLS(""))
	if err := c.HandshakeContext(ctx); err != nil {
		return "", err
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	w := bufio.NewWriter(c)
	hello := transfer.Hello{Proto: transfer.ProtocolVersion, MinProto: transfer.MinProtocolVersion, Name: "flood", OS: "linux", App: "lan-test"}
	if err := writeFrame(w, transfer.FrameHello, hello); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	t, p, err := readFrame(r)
	if err != nil {
		return "", fmt.Errorf("reading hello: %w", err)
	}
	if t != transfer.FrameHello {
		return "", fmt.Errorf("expected hello, got frame %d %s", t, p)
	}
	offer := transfer.Offer{Session: uuid.NewString(), Items: []transfer.Item{{Kind: transfer.KindText, Text: "x", Size: 1}}}
	if err := writeFrame(w, transfer.FrameOffer, offer); err != nil {
		return "", err
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	for {
		t, p, err := readFrame(r)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return "pending", nil
		case err != nil:
			return "", fmt.Errorf("reading the answer: %w", err)
		case t == transfer.FramePing:
			continue
		case t == transfer.FrameError:
			var m transfer.ErrorMsg
			_ = json.Unmarshal(p, &m)
			if m.Code == "busy" {
				return "busy", nil
			}
			return "", fmt.Errorf("error frame %s", p)
		case t == transfer.FrameDecision:
			var dec transfer.Decision
			_ = json.Unmarshal(p, &dec)
			if dec.Accept {
				// A text offer is complete once accepted; say goodbye
				// like a real sender so nothing waits for us.
				_ = writeFrame(w, transfer.FrameBye, transfer.Bye{})
			}
			return "decided", nil
		default:
			return "", fmt.Errorf("unexpected frame %d", t)
		}
	}
}

func writeFrame(w *bufio.Writer, t transfer.FrameType, v any) error {
	p, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var hdr [5]byte
	hdr[0] = byte(t)
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(p)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	if _, err := w.Write(p); err != nil {
		return err
	}
	return w.Flush()
}

func readFrame(r *bufio.Reader) (transfer.FrameType, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > 1<<20 {
		return 0, nil, fmt.Errorf("frame of %d bytes", n)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	return transfer.FrameType(hdr[0]), p, nil
}

// probeLoop asks the receiver who it is, over and over, and prints how
// long each answer took, until the process is killed (bounded by an hour
// in case nobody does).
func probeLoop(out *json.Encoder, addr string) error {
	id, err := transfer.NewEphemeralIdentity()
	if err != nil {
		return err
	}
	hello := transfer.Hello{Name: "probe", OS: "linux", App: "lan-test"}
	for end := time.Now().Add(time.Hour); time.Now().Before(end); {
		start := time.Now()
		_, err := transfer.Probe(context.Background(), id, addr, "", hello)
		m := map[string]any{"event": "probe", "ms": float64(time.Since(start).Microseconds()) / 1000}
		if err != nil {
			m["error"] = err.Error()
		}
		if err := out.Encode(m); err != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond) // a probe's pace, not a readiness wait
	}
	return nil
}

// hold keeps n TCP connections to addr open without saying anything, and
// opens a new one whenever the receiver closes one: the cheapest way to
// tie up a server's slots for connections that have not identified
// themselves. It reports how many connections it made, every second.
func hold(out *json.Encoder, addr string, n int) error {
	var opened atomic.Int64
	for range n {
		go func() {
			for {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					time.Sleep(100 * time.Millisecond) // the receiver refused: try again soon
					continue
				}
				opened.Add(1)
				_, _ = io.Copy(io.Discard, c) // returns when the receiver hangs up
				c.Close()
			}
		}()
	}
	for end := time.Now().Add(time.Hour); time.Now().Before(end); time.Sleep(time.Second) {
		if err := out.Encode(map[string]any{"event": "hold", "opened": opened.Load()}); err != nil {
			return err
		}
	}
	return nil
}
