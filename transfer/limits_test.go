package transfer

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/testproc"
)

// The short forms of the hostile scenarios of issue 13 (items 3, 4, 9):
// real engines over loopback, attackers written here, each from its own
// loopback address (127.0.0.0/8 is all loopback on Linux). The long forms
// with real lempar-cli processes on a network-namespace LAN are in lan/.

// attackerAddrs are the 8 source addresses floods come from.
func attackerAddrs(t *testing.T) []string {
	t.Helper()
	var out []string
	for i := 11; i <= 18; i++ {
		out = append(out, "127.0.0."+strconv.Itoa(i))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(out[0])}}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Skipf("no extra loopback addresses here: %v", err)
	}
	c.Close()
	return out
}

// dialFrom opens a TCP connection to addr from the local address from.
func dialFrom(ctx context.Context, from, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	return d.DialContext(ctx, "tcp", addr)
}

// helloFrom is a stranger's connection past hello, from a chosen address.
func helloFrom(ctx context.Context, id *Identity, from, addr string) (*session, error) {
	raw, err := dialFrom(ctx, from, addr)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(raw, id.ClientTLS(""))
	_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	_ = tc.SetDeadline(time.Time{})
	ss := newSession(tc)
	ss.fr.timeout = time.Hour // the attacker waits as long as the receiver lets it
	if err := ss.fw.control(FrameHello, helloFor(Hello{Name: "mallory"})); err != nil {
		ss.close()
		return nil, err
	}
	if ft, _, err := ss.fr.next(); err != nil || ft != FrameHello {
		ss.close()
		return nil, fmt.Errorf("no hello back: %v %v", ft, err)
	}
	return ss, nil
}

// flood runs one attacker loop per (address, slot) until ctx ends.
func flood(ctx context.Context, addrs []string, perAddr int, one func(ctx context.Context, from string)) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, a := range addrs {
		for range perAddr {
			wg.Go(func() {
				for ctx.Err() == nil {
					one(ctx, a)
					select { // pace reconnects: a refused attacker comes straight back
					case <-ctx.Done():
					case <-time.After(100 * time.Millisecond):
					}
				}
			})
		}
	}
	return &wg
}

// holdUntilClosed keeps c open until the receiver closes it or ctx ends.
func holdUntilClosed(ctx context.Context, c net.Conn) {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	_, _ = io.Copy(io.Discard, c)
	c.Close()
}

// TestKnownDeviceThroughFloods: while strangers at 8 addresses flood the
// receiver with silent connections, hello-then-stall sessions, offers whose
// body trickles in, or offers left waiting for a person, a known device's
// send still completes within 5 s.
func TestKnownDeviceThroughFloods(t *testing.T) {
	addrs := attackerAddrs(t)
	kinds := map[string]func(ctx context.Context, id *Identity, from, addr string){
		"silent connections": func(ctx context.Context, _ *Identity, from, addr string) {
			if c, err := dialFrom(ctx, from, addr); err == nil {
				holdUntilClosed(ctx, c)
			}
		},
		"hello then stall": func(ctx context.Context, id *Identity, from, addr string) {
			if ss, err := helloFrom(ctx, id, from, addr); err == nil {
				holdUntilClosed(ctx, ss.tc)
			}
		},
		"slow offer body": func(ctx context.Context, id *Identity, from, addr string) {
			ss, err := helloFrom(ctx, id, from, addr)
			if err != nil {
				return
			}
			defer ss.close()
			_ = writeHeader(ss.fw.w, FrameOffer, MaxOffer)
			_ = ss.fw.w.Flush()
			for ctx.Err() == nil {
				if _, err := ss.tc.Write([]byte("[")); err != nil {
					return
				}
				select {
				case <-ctx.Done():
				case <-time.After(500 * time.Millisecond):
				}
			}
		},
		"offers left waiting": func(ctx context.Context, id *Identity, from, addr string) {
			ss, err := helloFrom(ctx, id, from, addr)
			if err != nil {
				return
			}
			_ = ss.fw.control(FrameOffer, offerOf(Item{Kind: KindText, Text: "hi", Size: 2}))
			go ss.keepalive(ctx) // a live sender, just nobody answering
			holdUntilClosed(ctx, ss.tc)
		},
	}
	for name, attack := range kinds {
		t.Run(name, func(t *testing.T) {
			friend, _ := NewEphemeralIdentity()
			rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
				if r.Peer.ID == friend.ID {
					return Answer{Accept: true}
				}
				<-ctx.Done() // strangers wait for a person who is away
				return Answer{}
			}), func(s *Server) { s.Trusted = func(id string) bool { return id == friend.ID } })
			ctx, cancel := context.WithCancel(context.Background())
			ids := make([]*Identity, len(addrs))
			for i := range ids {
				ids[i], _ = NewEphemeralIdentity()
			}
			var n atomic.Int64
			// 8 silent connections per address fill every half-open slot;
			// 4 sessions per address are twice the strangers' slots.
			per := 4
			if name == "silent connections" {
				per = 8
			}
			wg := flood(ctx, addrs, per, func(ctx context.Context, from string) {
				n.Add(1)
				attack(ctx, ids[int(from[len(from)-1]-'1')], from, rx.addr)
			})
			defer func() { cancel(); wg.Wait() }()
			// The flood fills what it can before the known device comes.
			for end := time.Now().Add(3 * time.Second); time.Now().Before(end) && n.Load() < 128; {
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(time.Second)

			src := filepath.Join(t.TempDir(), "notes.bin")
			data := randBytes(64 << 10)
			writeFile(t, src, data)
			srcs, err := CollectSources([]string{src})
			if err != nil {
				t.Fatal(err)
			}
			sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer scancel()
			start := time.Now()
			var timeline []string
			_, err = Send(sctx, friend, SendOptions{Addr: rx.addr, PeerID: rx.id.ID, Hello: Hello{Name: "friend"}, OnEvent: func(e Event) {
				if len(timeline) == 0 || !strings.HasSuffix(timeline[len(timeline)-1], string(e.State)) {
					timeline = append(timeline, fmt.Sprintf("%.2fs %s", time.Since(start).Seconds(), e.State))
				}
			}}, srcs)
			t.Logf("timeline: %v", timeline)
			took := time.Since(start)
			t.Logf("FIGURE %s from 8 addresses (%d attacker connections): known device's 64 KiB send took %.2f s", name, n.Load(), took.Seconds())
			if err != nil {
				t.Fatalf("the known device's send failed during the flood after %v: %v", took, err)
			}
			got, err := os.ReadFile(filepath.Join(rx.dir, "notes.bin"))
			if err != nil || string(got) != string(data) {
				t.Fatalf("file not received intact: %v", err)
			}
		})
	}
}

// TestOutOfOrderItemsRefused: data for item 1 before item 0 ends the
// session with a protocol error frame, instead of a session that waits
// forever for item 0.
func TestOutOfOrderItemsRefused(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	p := dialRaw(t, rx)
	if err := p.ss.fw.control(FrameOffer, offerOf(Item{Path: "a.bin", Kind: KindFile, Size: 4}, Item{Path: "b.bin", Kind: KindFile, Size: 4})); err != nil {
		t.Fatal(err)
	}
	if _, err := p.until(FrameDecision); err != nil {
		t.Fatal(err)
	}
	_ = p.ss.fw.data(1, 0, []byte("bbbb"))
	_ = p.ss.fw.flush()
	b, err := p.until(FrameAck)
	if err == nil {
		t.Fatalf("item 1 before item 0 was acked: %s", b)
	}
	var m ErrorMsg
	_ = json.Unmarshal(b, &m)
	if m.Code != errcode.Protocol.String() {
		t.Fatalf("want a protocol error frame, got %s (%v)", b, err)
	}
	if ev := rx.waitFinal(t); ev.State != StateFailed || !IsCode(ev.Err, errcode.Protocol) {
		t.Fatalf("receiver ended %s: %v", ev.State, ev.Err)
	}
	assertNoFinalFile(t, rx, "b.bin")
}

// TestBadFramesGetAnErrorFrame: an oversize or unknown frame, and a name
// that can't be saved, are answered with an error frame saying so before
// the receiver closes.
func TestBadFramesGetAnErrorFrame(t *testing.T) {
	for _, c := range []struct {
		name string
		send func(p *rawPeer)
		code errcode.Code
	}{
		{"oversize", func(p *rawPeer) { _ = writeHeader(p.ss.fw.w, FrameOffer, MaxOffer+1); _ = p.ss.fw.w.Flush() }, errcode.Protocol},
		{"unknown", func(p *rawPeer) { _ = writeHeader(p.ss.fw.w, FrameType(77), 3); _ = p.ss.fw.w.Flush() }, errcode.Protocol},
		{"bad name", func(p *rawPeer) {
			_ = p.ss.fw.control(FrameOffer, offerOf(Item{Path: "../evil", Kind: KindFile, Size: 1}))
		}, errcode.BadName},
	} {
		rx := startReceiver(t, acceptAll)
		p := dialRaw(t, rx)
		c.send(p)
		b, err := p.until(FrameDecision)
		var m ErrorMsg
		_ = json.Unmarshal(b, &m)
		if err == nil || m.Code != c.code.String() {
			t.Errorf("%s: want an error frame %q, got %s (%v)", c.name, c.code, b, err)
		}
	}
}

// TestOfferMemoryBounded: 8 strangers at once offer 100,000 items each
// (~14 MiB of JSON apiece) to a receiver running in its own process, whose
// peak resident memory (VmHWM) must stay within 128 MiB.
func TestOfferMemoryBounded(t *testing.T) {
	addrs := attackerAddrs(t)
	rxAddr, pid := testproc.HelperProcess(t, testproc.TestBinary(t, raceBuild), envRxHelper)
	items := make([]Item, MaxItems)
	for i := range items {
		items[i] = Item{Path: fmt.Sprintf("photos/%s/IMG_%07d.jpg", strings.Repeat("x", 60), i), Kind: KindFile, Size: 1, MTime: time.Now().UnixNano()}
	}
	sess := uuid.NewString()
	payload, _ := json.Marshal(Offer{Session: sess, Items: items})
	if len(payload) > MaxOffer {
		t.Fatalf("test offer of %d bytes is over the limit", len(payload))
	}
	var busy, waiting, failed atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 2 {
		for _, a := range addrs {
			wg.Go(func() {
				id, _ := NewEphemeralIdentity()
				ss, err := helloFrom(ctx, id, a, rxAddr)
				if err != nil {
					failed.Add(1)
					return
				}
				defer ss.close()
				// The same offer under a new session ID (both are 36 bytes).
				p := []byte(strings.Replace(string(payload), sess, uuid.NewString(), 1))
				err = writeHeader(ss.fw.w, FrameOffer, len(p))
				if err == nil {
					_, err = ss.fw.w.Write(p)
				}
				if err == nil {
					err = ss.fw.w.Flush()
				}
				if err != nil {
					busy.Add(1) // refused (busy) from the header, before the body was read
					return
				}
				_ = ss.tc.SetReadDeadline(time.Now().Add(3 * time.Second))
				for {
					ft, b, err := ss.fr.next()
					switch {
					case err != nil:
						waiting.Add(1) // no answer: it waits for a person
						return
					case ft == FrameError && strings.Contains(string(b), "busy"):
						busy.Add(1)
						return
					case ft == FramePing:
						continue
					}
					failed.Add(1)
					return
				}
			})
		}
		wg.Wait()
	}
	hwm := testproc.StatusKB(t, pid, "VmHWM")
	t.Logf("FIGURE offer flood: %d offers of %.1f MiB (100,000 items) from 8 addresses: %d waiting for a person, %d busy, %d failed; receiver VmHWM %.1f MiB",
		2*len(addrs), float64(len(payload))/(1<<20), waiting.Load(), busy.Load(), failed.Load(), float64(hwm)/1024)
	if hwm > 128<<10 {
		t.Errorf("receiver peak RSS %.1f MiB > 128 MiB", float64(hwm)/1024)
	}
	if waiting.Load()+busy.Load() == 0 {
		t.Errorf("no offer reached the receiver (%d failed)", failed.Load())
	}
}

// envRxHelper turns the test binary into a receiver process (see TestMain).
const envRxHelper = "LEMPAR_TRANSFER_RX_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(envRxHelper) != "" {
		os.Exit(rxHelper())
	}
	os.Exit(m.Run())
}

// rxHelper serves on loopback with strangers left waiting for a person,
// prints its address and runs until stdin closes.
func rxHelper() int {
	id, err := NewEphemeralIdentity()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, _ := os.MkdirTemp("", "lempar-rx-helper")
	defer os.RemoveAll(dir)
	srv := &Server{
		Identity: id,
		Hello:    func() Hello { return Hello{Name: "rx"} },
		Dir:      func() string { return dir },
		Acceptor: AcceptorFunc(func(ctx context.Context, r *Request) Answer { <-ctx.Done(); return Answer{} }),
		OnEvent:  func(Event) {},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(ln.Addr().String())
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); cancel() }()
	_ = srv.Serve(ctx, ln)
	return 0
}
