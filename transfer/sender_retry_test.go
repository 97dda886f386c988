package transfer

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
)

// TestRetryFollowsTheDeviceToANewAddress: the receiver is reached through a
// relay (its "old address") that goes away mid-transfer for good; a moment
// later Resolve starts naming the receiver's other address. The waiting
// retry goes there at once, the session resumes, and the last event names
// the new address.
func TestRetryFollowsTheDeviceToANewAddress(t *testing.T) {
	c := newDropCase(t, 32<<20)
	c.relay.pauseAfter = int64(len(c.data) / 3)
	var moved atomic.Bool
	var movedAt atomic.Int64
	go func() {
		<-c.relay.paused
		c.relay.ln.Close() // the old address answers nobody any more
		c.relay.cut()
		time.Sleep(3 * time.Second) // the device is away for a while (the scenario)
		movedAt.Store(time.Now().UnixNano())
		moved.Store(true)
	}()
	var asked atomic.Int32
	src := filepath.Join(t.TempDir(), "video.mp4")
	writeFile(t, src, c.data)
	id, _ := NewEphemeralIdentity()
	srcs, _ := CollectSources([]string{src})
	var reachedAt atomic.Int64 // first event from the new address
	ev, err := Send(context.Background(), id, SendOptions{
		Addr: c.relay.ln.Addr().String(), RetryFor: DefaultRetryFor,
		OnEvent: func(e Event) {
			if e.Peer.Addr == c.rx.addr {
				reachedAt.CompareAndSwap(0, time.Now().UnixNano())
			}
		},
		Resolve: func(_ context.Context, peerID string) []string {
			asked.Add(1)
			if peerID != c.rx.id.ID {
				t.Errorf("Resolve asked for %q, want the pinned receiver %q", peerID, c.rx.id.ID)
			}
			if moved.Load() {
				return []string{c.rx.addr}
			}
			return nil
		},
	}, srcs)
	if err != nil {
		t.Fatalf("the send did not follow the receiver: %v", err)
	}
	took := time.Duration(reachedAt.Load() - movedAt.Load())
	c.checkDelivered(t)
	if ev.Peer.Addr != c.rx.addr {
		t.Errorf("final event at %q, want the new address %q", ev.Peer.Addr, c.rx.addr)
	}
	if asked.Load() == 0 {
		t.Fatal("Resolve was never asked")
	}
	// Without the poll the retry would sleep out a backoff of up to 10 s.
	if took <= 0 || took > 2*time.Second {
		t.Errorf("the sender reached the new address %v after it appeared", took)
	}
	t.Logf("the sender reached the receiver's new address %v after it appeared (Resolve asked %d times)", took.Round(time.Millisecond), asked.Load())
}

// hostileReceiver accepts one connection, trades hellos and reads the offer,
// then lets misbehave write what it likes; it returns the frames the
// sender sends after that.
func hostileReceiver(t *testing.T, misbehave func(ss *session)) (addr string, after <-chan []FrameType, errFrame <-chan ErrorMsg) {
	t.Helper()
	id, _ := NewEphemeralIdentity()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	frames := make(chan []FrameType, 1)
	errs := make(chan ErrorMsg, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			return
		}
		tc := tls.Server(raw, id.ServerTLS())
		ss := newSession(tc)
		defer ss.close()
		if tc.Handshake() != nil {
			return
		}
		if ft, _, err := ss.fr.next(); err != nil || ft != FrameHello {
			return
		}
		_ = ss.fw.control(FrameHello, helloFor(Hello{Name: "mallory"}))
		if ft, _, err := ss.fr.next(); err != nil || ft != FrameOffer {
			return
		}
		misbehave(ss)
		var seen []FrameType
		_ = tc.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			ft, p, err := ss.fr.next()
			if err != nil {
				break
			}
			seen = append(seen, ft)
			if ft == FrameError {
				var m ErrorMsg
				_ = json.Unmarshal(p, &m)
				errs <- m
			}
		}
		frames <- seen
	}()
	return ln.Addr().String(), frames, errs
}

// TestSenderAnswersBadFramesWithAnErrorFrame: a receiver that sends an
// oversize frame (while the offer waits) or an unknown frame type (while
// data flows) is told "protocol" in an error frame before the sender
// closes, the way the receiver tells a hostile sender.
func TestSenderAnswersBadFramesWithAnErrorFrame(t *testing.T) {
	cases := map[string]func(ss *session){
		"oversize decision": func(ss *session) {
			_ = writeHeader(ss.fw.w, FrameDecision, 2<<30)
			_ = ss.fw.w.Flush()
		},
		"unknown frame while streaming": func(ss *session) {
			_ = ss.fw.control(FrameDecision, Decision{Accept: true, Items: []ItemDecision{{Accept: true}}})
			_ = writeHeader(ss.fw.w, FrameType(200), 1)
			_, _ = ss.fw.w.Write([]byte{0})
			_ = ss.fw.w.Flush()
		},
	}
	for name, misbehave := range cases {
		t.Run(name, func(t *testing.T) {
			addr, _, errFrame := hostileReceiver(t, misbehave)
			src := filepath.Join(t.TempDir(), "f.bin")
			writeFile(t, src, randBytes(8<<20))
			id, _ := NewEphemeralIdentity()
			srcs, _ := CollectSources([]string{src})
			_, err := Send(context.Background(), id, SendOptions{Addr: addr, RetryFor: DefaultRetryFor}, srcs)
			if !IsCode(err, errcode.Protocol) {
				t.Fatalf("the send ended with %v, want a protocol error", err)
			}
			select {
			case m := <-errFrame:
				if m.Code != errcode.Protocol.String() || !strings.Contains(m.Detail, "frame") {
					t.Fatalf("error frame %+v", m)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the sender closed without an error frame")
			}
		})
	}
}
