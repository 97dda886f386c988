package localsend

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/testproc"
	"github.com/lempar/lempar/transfer"
)

// The LocalSend side of issue 13 (items 2, 3, 4): a real Service, attackers
// written here, each from its own loopback address (127.0.0.0/8 is all
// loopback in the test's namespace).

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
	c, err := dialFrom(context.Background(), out[0], ln.Addr().String())
	if err != nil {
		t.Skipf("no extra loopback addresses here: %v", err)
	}
	c.Close()
	return out
}

func dialFrom(ctx context.Context, from, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	return d.DialContext(ctx, "tcp", addr)
}

// postHead opens an HTTPS connection from an address and sends the head of
// a POST announcing clen body bytes; the caller writes (or withholds) the
// body. cert, when set, is shown as the client certificate.
func postHead(ctx context.Context, from, addr, path string, clen int, cert *tls.Certificate) (*tls.Conn, error) {
	c, err := dialFrom(ctx, from, addr)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{InsecureSkipVerify: true}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	tc := tls.Client(c, cfg)
	_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, err
	}
	_ = tc.SetDeadline(time.Time{})
	if _, err := fmt.Fprintf(tc, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, clen); err != nil {
		tc.Close()
		return nil, err
	}
	return tc, nil
}

// holdUntilClosed keeps c open until the receiver closes it or ctx ends.
func holdUntilClosed(ctx context.Context, c net.Conn) {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	_, _ = io.Copy(io.Discard, c)
	c.Close()
}

// offerJSON is a prepare-upload of one small file from a claimed device.
func offerJSON(alias, fp string, port int, name string) []byte {
	b, _ := json.Marshal(PrepareRequest{
		Info:  DeviceInfo{Alias: alias, Version: "2.1", Fingerprint: fp, Port: port, Protocol: "https", DeviceType: str("mobile")},
		Files: map[string]FileMeta{"f1": {ID: "f1", FileName: name, Size: 1, FileType: "application/octet-stream"}},
	})
	return b
}

// claimOffer posts an offer from an address, claiming fp, with or without
// a client certificate; it returns the status (0: no answer within wait).
func claimOffer(t *testing.T, r *rx, from string, cert *tls.Certificate, body []byte, wait time.Duration) int {
	t.Helper()
	tc, err := postHead(context.Background(), from, fmt.Sprintf("127.0.0.1:%d", r.svc.Port()), apiV2+"prepare-upload", len(body), cert)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if _, err := tc.Write(body); err != nil {
		t.Fatal(err)
	}
	_ = tc.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestFingerprintClaimNeedsProof: a sender claiming a phone's fingerprint
// (phones broadcast it) without its certificate reaches the person as
// unverified, never as the phone, and isn't listed as the phone; with the
// phone's client certificate, or when the phone's own port proves it on a
// call back, it is verified.
func TestFingerprintClaimNeedsProof(t *testing.T) {
	answers := make(chan *transfer.Request, 8)
	r := startRx(t, func(req *transfer.Request) transfer.Answer {
		answers <- req
		return transfer.Answer{} // declined: the offer's result is not what is tested
	}, nil)
	phone, _ := transfer.NewEphemeralIdentity()
	claim := ourFingerprint(phone.ID)
	next := func(what string) *transfer.Request {
		t.Helper()
		select {
		case req := <-answers:
			<-r.asked
			return req
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the offer never reached the acceptor", what)
		}
		return nil
	}

	// 1. A bare claim; nothing answers at the announced port.
	dead, _ := net.Listen("tcp", "127.0.0.21:0")
	deadPort := dead.Addr().(*net.TCPAddr).Port
	dead.Close()
	claimOffer(t, r, "127.0.0.21", nil, offerJSON("Ayu's phone", claim, deadPort, "a.txt"), 10*time.Second)
	if req := next("bare claim"); req.Peer.Verified || req.Peer.ID != PeerID(claim) {
		t.Errorf("bare claim: verified %v as %s", req.Peer.Verified, req.Peer.ID)
	}

	// 2. The impostor answers the call back itself, with its own certificate.
	mallory, _ := transfer.NewEphemeralIdentity()
	imp := New(Config{Identity: mallory, Alias: func() string { return "Ayu's phone" }, Dir: func() string { return t.TempDir() },
		Acceptor: transfer.AcceptorFunc(func(context.Context, *transfer.Request) transfer.Answer { return transfer.Answer{} }),
		Port:     -1, Listen: "127.0.0.22", NoMulticast: true})
	serve(t, imp)
	claimOffer(t, r, "127.0.0.22", nil, offerJSON("Ayu's phone", claim, imp.Port(), "b.txt"), 10*time.Second)
	if req := next("impostor's own certificate"); req.Peer.Verified {
		t.Errorf("a claim answered by another certificate was verified")
	}

	// 3. The impostor relays the address of nobody, but registers: not
	// listed as the phone.
	st := claimRegister(t, r, "127.0.0.22", nil, imp.Port(), claim)
	if _, listed := r.svc.Device(PeerID(claim)); listed || st != http.StatusOK {
		t.Errorf("an unproven register was listed as the phone (status %d)", st)
	}

	// 4. The phone's client certificate proves it, whatever the JSON says.
	claimOffer(t, r, "127.0.0.23", &phone.Cert, offerJSON("Ayu's phone", "whatever", 1, "c.txt"), 10*time.Second)
	if req := next("client certificate"); !req.Peer.Verified || req.Peer.ID != PeerID(phone.ID) {
		t.Errorf("client certificate: verified %v as %s", req.Peer.Verified, req.Peer.ID)
	}

	// 5. No client certificate, but the phone's own server answers the
	// call back at its address and port: proven.
	ph := New(Config{Identity: phone, Alias: func() string { return "Ayu's phone" }, Dir: func() string { return t.TempDir() },
		Acceptor: transfer.AcceptorFunc(func(context.Context, *transfer.Request) transfer.Answer { return transfer.Answer{} }),
		Port:     -1, Listen: "127.0.0.24", NoMulticast: true})
	serve(t, ph)
	claimOffer(t, r, "127.0.0.24", nil, offerJSON("Ayu's phone", claim, ph.Port(), "d.txt"), 10*time.Second)
	if req := next("call back"); !req.Peer.Verified || req.Peer.ID != PeerID(claim) {
		t.Errorf("call back: verified %v as %s", req.Peer.Verified, req.Peer.ID)
	}
	if st := claimRegister(t, r, "127.0.0.24", nil, ph.Port(), claim); st != http.StatusOK {
		t.Fatalf("register: %d", st)
	}
	if d, listed := r.svc.Device(PeerID(claim)); !listed || d.Addr.Addr() != netip.MustParseAddr("127.0.0.24") {
		t.Errorf("a proven register was not listed: %+v", d)
	}
}

func claimRegister(t *testing.T, r *rx, from string, cert *tls.Certificate, port int, fp string) int {
	t.Helper()
	b, _ := json.Marshal(DeviceInfo{Alias: "Ayu's phone", Version: "2.1", Fingerprint: fp, Port: port, Protocol: "https"})
	tc, err := postHead(context.Background(), from, fmt.Sprintf("127.0.0.1:%d", r.svc.Port()), apiV2+"register", len(b), cert)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	_, _ = tc.Write(b)
	_ = tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// serve runs a Service until the test ends.
func serve(t *testing.T, s *Service) {
	t.Helper()
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Serve(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// flood runs one attacker loop per (address, slot) until ctx ends.
func flood(ctx context.Context, addrs []string, perAddr int, one func(ctx context.Context, from string)) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, a := range addrs {
		for range perAddr {
			wg.Go(func() {
				for ctx.Err() == nil {
					one(ctx, a)
					select { // a refused attacker comes straight back
					case <-ctx.Done():
					case <-time.After(100 * time.Millisecond):
					}
				}
			})
		}
	}
	return &wg
}

// TestKnownDeviceThroughLocalSendFloods: while strangers hold 64 stalled
// POST bodies from one address, trickle bodies from 8 addresses, or leave
// an offer waiting for the person, a known device's LocalSend send
// completes within 5 s.
func TestKnownDeviceThroughLocalSendFloods(t *testing.T) {
	addrs := attackerAddrs(t)
	known, _ := transfer.NewEphemeralIdentity()
	release := make(chan struct{})
	r := startRx(t, func(req *transfer.Request) transfer.Answer {
		if req.Peer.Verified && req.Peer.ID == PeerID(known.ID) {
			return transfer.Answer{Accept: true}
		}
		<-release // a stranger waits for the person
		return transfer.Answer{}
	}, func(c *Config) {
		c.Known = func(id string) bool { return id == PeerID(known.ID) }
		c.OfferTimeout = 20 * time.Second
	})
	t.Cleanup(func() { close(release) })
	rxAddr := fmt.Sprintf("127.0.0.1:%d", r.svc.Port())
	go func() { // the scripted acceptor's questions aren't looked at here
		for range r.asked {
		}
	}()
	src := t.TempDir()
	tree(t, src, map[string][]byte{"report.pdf": randBytes(t, 256<<10)})
	srcs, _ := transfer.CollectSources([]string{filepath.Join(src, "report.pdf")})

	reading := func(n int) func() bool { // n addresses have bodies being read
		return func() bool {
			r.svc.mu.Lock()
			defer r.svc.mu.Unlock()
			return len(r.svc.reading) >= n
		}
	}
	kinds := []struct {
		name  string
		addrs []string
		per   int
		ready func() bool
		one   func(ctx context.Context, from string)
	}{
		{"64 stalled POST bodies from one address", addrs[:1], 64, reading(1), func(ctx context.Context, from string) {
			if tc, err := postHead(ctx, from, rxAddr, apiV2+"prepare-upload", 1<<20, nil); err == nil {
				_, _ = tc.Write([]byte(`{"info":`))
				holdUntilClosed(ctx, tc)
			}
		}},
		{"slow bodies from 8 addresses", addrs, 8, reading(8), func(ctx context.Context, from string) {
			body := offerJSON("mallory", strings.Repeat("ab", 32), 1, "x.bin")
			tc, err := postHead(ctx, from, rxAddr, apiV2+"prepare-upload", len(body), nil)
			if err != nil {
				return
			}
			defer tc.Close()
			go holdUntilClosed(ctx, tc)
			for i := 0; i < len(body) && ctx.Err() == nil; i++ {
				if _, err := tc.Write(body[i : i+1]); err != nil {
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
		}},
		{"a stranger's offer waiting, slow register bodies from 8 addresses", addrs, 4, func() bool {
			r.svc.mu.Lock()
			defer r.svc.mu.Unlock()
			return len(r.svc.sessions) == 1 && len(r.svc.reading) >= 7
		}, func(ctx context.Context, from string) {
			if from == addrs[0] {
				body := offerJSON("mallory", strings.Repeat("cd", 32), 1, from+".bin")
				if tc, err := postHead(ctx, from, rxAddr, apiV2+"prepare-upload", len(body), nil); err == nil {
					_, _ = tc.Write(body)
					holdUntilClosed(ctx, tc)
				}
				return
			}
			if tc, err := postHead(ctx, from, rxAddr, apiV2+"register", 1000, nil); err == nil {
				_, _ = tc.Write([]byte(`{"alias":`))
				holdUntilClosed(ctx, tc)
			}
		}},
	}
	for _, k := range kinds {
		ctx, cancel := context.WithCancel(context.Background())
		wg := flood(ctx, k.addrs, k.per, k.one)
		for deadline := time.Now().Add(10 * time.Second); !k.ready(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the flood never took hold", k.name)
			}
		}
		o := sendOpts(t, r.device(), newEvents())
		o.Identity = known
		o.Self.Fingerprint = ourFingerprint(known.ID)
		start := time.Now()
		sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
		ev, err := Send(sctx, o, srcs)
		took := time.Since(start)
		scancel()
		t.Logf("FIGURE localsend %s: known device's send %s in %.2f s", k.name, ev.State, took.Seconds())
		if err != nil || ev.State != transfer.StateDone {
			t.Errorf("%s: known device's send: %v %v", k.name, ev.State, err)
		} else if took > 5*time.Second {
			t.Errorf("%s: known device's send took %v (limit 5 s)", k.name, took)
		}
		cancel()
		wg.Wait()
		r.svc.cancelActive(nil) // the stranger left waiting
	}
}

// TestLocalSendBodyFloodMemory: 16 prepare-upload bodies just under the
// limit (and 4 of 23 MiB, over it) from 8 addresses at once, to a receiver
// in its own process: its peak resident memory (VmHWM) stays within
// 128 MiB. A race-detector build measures a copy of the test binary built
// without it: the detector's shadow memory is not the receiver's.
func TestLocalSendBodyFloodMemory(t *testing.T) {
	addrs := attackerAddrs(t)
	rxAddr, pid := testproc.HelperProcess(t, testproc.TestBinary(t, raceBuild), envRxHelper)
	body := bigOffer(80_000, 1)
	huge := bigOffer(100_000, 140)
	if len(body) > maxPrepareJSON || len(huge) <= maxPrepareJSON {
		t.Fatalf("test bodies %d/%d bytes don't straddle the %d limit", len(body), len(huge), maxPrepareJSON)
	}
	var st sync.Map // status → count
	count := func(s int) {
		v, _ := st.LoadOrStore(s, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 20 {
		b := body
		if i%5 == 4 {
			b = huge
		}
		from := addrs[i%len(addrs)]
		wg.Go(func() {
			tc, err := postHead(ctx, from, rxAddr, apiV2+"prepare-upload", len(b), nil)
			if err != nil {
				count(-1)
				return
			}
			defer tc.Close()
			go func() { _, _ = tc.Write(b) }()
			_ = tc.SetReadDeadline(time.Now().Add(8 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
			if err != nil {
				count(0) // no answer: waiting for the person
				return
			}
			resp.Body.Close()
			count(resp.StatusCode)
		})
	}
	wg.Wait()
	hwm := testproc.StatusKB(t, pid, "VmHWM")
	var parts []string
	st.Range(func(k, v any) bool {
		parts = append(parts, fmt.Sprintf("%d×%d", v.(*atomic.Int64).Load(), k))
		return true
	})
	t.Logf("FIGURE localsend body flood: 16 bodies of %.1f MiB + 4 of %.1f MiB from 8 addresses: statuses %s (0 = waiting for a person); receiver VmHWM %.1f MiB",
		float64(len(body))/(1<<20), float64(len(huge))/(1<<20), strings.Join(parts, " "), float64(hwm)/1024)
	if hwm > 128<<10 {
		t.Errorf("receiver peak RSS %.1f MiB > 128 MiB", float64(hwm)/1024)
	}
	if v, ok := st.Load(0); !ok || v.(*atomic.Int64).Load() == 0 {
		t.Errorf("no offer reached the person")
	}
}

// bigOffer is a prepare-upload of n files with names of about pad bytes.
func bigOffer(n, pad int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"info":{"alias":"mallory","version":"2.1","fingerprint":"mallory","port":1,"protocol":"https"},"files":{`)
	dir := strings.Repeat("x", pad)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"f%07d":{"id":"f%07d","fileName":"photos/%s/IMG_%07d.jpg","size":1,"fileType":"image/jpeg"}`, i, i, dir, i)
	}
	b.WriteString(`}}`)
	return b.Bytes()
}

// envRxHelper turns the test binary into a receiver process (see TestMain).
const envRxHelper = "LEMPAR_LOCALSEND_RX_HELPER"

// rxHelper serves LocalSend on loopback with every offer left waiting for
// a person, prints its address and runs until stdin closes.
func rxHelper() int {
	id, err := transfer.NewEphemeralIdentity()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, _ := os.MkdirTemp("", "lempar-ls-rx-helper")
	defer os.RemoveAll(dir)
	s := New(Config{
		Identity: id, Alias: func() string { return "rx" }, Dir: func() string { return dir },
		Acceptor: transfer.AcceptorFunc(func(ctx context.Context, r *transfer.Request) transfer.Answer { <-ctx.Done(); return transfer.Answer{} }),
		Port:     -1, Listen: "127.0.0.1", NoMulticast: true,
	})
	if err := s.Listen(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("127.0.0.1:%d\n", s.Port())
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); cancel() }()
	_ = s.Serve(ctx)
	return 0
}
