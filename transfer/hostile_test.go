package transfer

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/zeebo/blake3"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/savedir"
)

// rawPeer speaks the wire format by hand, to break the rules on purpose.
type rawPeer struct {
	t  *testing.T
	ss *session
}

func dialRaw(t *testing.T, rx *testNode) *rawPeer {
	t.Helper()
	id, _ := NewEphemeralIdentity()
	c, err := net.Dial("tcp", rx.addr)
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(c, id.ClientTLS(""))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	p := &rawPeer{t: t, ss: newSession(tc)}
	t.Cleanup(p.ss.close)
	if err := p.ss.fw.control(FrameHello, helloFor(Hello{Name: "mallory"})); err != nil {
		t.Fatal(err)
	}
	if ft, _, err := p.ss.fr.next(); err != nil || ft != FrameHello {
		t.Fatalf("no hello back: %v %v", ft, err)
	}
	return p
}

// until reads frames until one of type want (or an error/close).
func (p *rawPeer) until(want FrameType) ([]byte, error) {
	for {
		ft, b, err := p.ss.fr.next()
		if err != nil {
			return nil, err
		}
		if ft == want {
			return append([]byte(nil), b...), nil
		}
		if ft == FrameError || ft == FrameCancel {
			return b, &Error{Code: errcode.RemoteError, Args: []any{"Detail", string(b)}}
		}
	}
}

func offerOf(items ...Item) Offer { return Offer{Session: uuid.NewString(), Items: items} }

func hashHex(b []byte) string {
	h := blake3.New()
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func refusedReceiver(t *testing.T) (*testNode, chan error) {
	refused := make(chan error, 8)
	rx := startReceiver(t, acceptAll)
	rx.srv.OnRefused = func(_ PeerInfo, err error) { refused <- err }
	return rx, refused
}

func TestHostileNamesRefused(t *testing.T) {
	for _, name := range []string{"../evil.txt", "/etc/passwd", "a/../../b", "C:/x.txt", `..\x`, "bad\x01name", "x\u202egpj.exe", strings.Repeat("a", 300)} {
		t.Run(name[:min(len(name), 20)], func(t *testing.T) {
			rx, refused := refusedReceiver(t)
			p := dialRaw(t, rx)
			_ = p.ss.fw.control(FrameOffer, offerOf(Item{Path: name, Kind: KindFile, Size: 1}))
			if _, err := p.until(FrameDecision); err == nil {
				t.Fatal("hostile offer got a decision")
			}
			select {
			case err := <-refused:
				var ne *savedir.NameError
				if !strings.Contains(err.Error(), "name") && !asNameErr(err, &ne) && !IsCode(err, errcode.Protocol) {
					t.Fatalf("unclear refusal: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("not refused")
			}
			assertNothingOutside(t, rx)
		})
	}
}

func asNameErr(err error, ne **savedir.NameError) bool {
	e, ok := err.(*savedir.NameError)
	*ne = e
	return ok
}

func assertNothingOutside(t *testing.T, rx *testNode) {
	t.Helper()
	parent := filepath.Dir(rx.dir)
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if e.Name() != filepath.Base(rx.dir) {
			t.Fatalf("something landed outside the download folder: %s", e.Name())
		}
	}
}

func TestOversizeAndUnknownFrames(t *testing.T) {
	rx, refused := refusedReceiver(t)
	p := dialRaw(t, rx)
	// A 2 GiB control frame: refused from the header alone.
	_ = writeHeader(p.ss.fw.w, FrameOffer, 2<<30)
	_ = p.ss.fw.w.Flush()
	if err := <-refused; !IsCode(err, errcode.Protocol) || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("oversize: %v", err)
	}
	p2 := dialRaw(t, rx)
	_ = writeHeader(p2.ss.fw.w, FrameType(200), 1)
	_ = p2.ss.fw.w.Flush()
	if err := <-refused; !IsCode(err, errcode.Protocol) || !strings.Contains(err.Error(), "unknown frame") {
		t.Fatalf("unknown type: %v", err)
	}
}

// acceptedRaw sends a one-file offer and waits for the acceptance.
func acceptedRaw(t *testing.T, rx *testNode, size int64) *rawPeer {
	p := dialRaw(t, rx)
	if err := p.ss.fw.control(FrameOffer, offerOf(Item{Path: "f.bin", Kind: KindFile, Size: size})); err != nil {
		t.Fatal(err)
	}
	b, err := p.until(FrameDecision)
	if err != nil {
		t.Fatal(err)
	}
	var d Decision
	if json.Unmarshal(b, &d) != nil || !d.Accept {
		t.Fatalf("not accepted: %s", b)
	}
	return p
}

func TestMoreBytesThanDeclared(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	p := acceptedRaw(t, rx, 10)
	_ = p.ss.fw.data(0, 0, make([]byte, 20))
	_ = p.ss.fw.flush()
	re := rx.waitFinal(t)
	if re.State != StateFailed || !IsCode(re.Err, errcode.TooManyBytes) {
		t.Fatalf("got %v %v", re.State, re.Err)
	}
	assertNoFinalFile(t, rx, "f.bin")
}

func TestWrongDigestNeverRenamed(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	p := acceptedRaw(t, rx, 5)
	_ = p.ss.fw.data(0, 0, []byte("hello"))
	_ = p.ss.fw.controlNoFlush(FrameFileDone, FileDone{Item: 0, Digest: hashHex([]byte("HELLO"))})
	_ = p.ss.fw.flush()
	b, err := p.until(FrameAck)
	if err != nil {
		t.Fatal(err)
	}
	var a Ack
	_ = json.Unmarshal(b, &a)
	if a.OK || a.Code != errcode.DigestMismatch.String() {
		t.Fatalf("ack %+v", a)
	}
	re := rx.waitFinal(t)
	if re.State != StateFailed || !IsCode(re.Err, errcode.DigestMismatch) {
		t.Fatalf("receiver %v %v", re.State, re.Err)
	}
	assertNoFinalFile(t, rx, "f.bin")
	if left := visibleEntries(rx.dir); len(left) != 0 {
		t.Fatalf("a damaged file was kept: %v", left)
	}
}

func TestFewerBytesThanDeclared(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	p := acceptedRaw(t, rx, 10)
	_ = p.ss.fw.data(0, 0, []byte("hello"))
	_ = p.ss.fw.controlNoFlush(FrameFileDone, FileDone{Item: 0, Digest: hashHex([]byte("hello"))})
	_ = p.ss.fw.flush()
	re := rx.waitFinal(t)
	if re.State != StateFailed || !IsCode(re.Err, errcode.Protocol) {
		t.Fatalf("got %v %v", re.State, re.Err)
	}
	assertNoFinalFile(t, rx, "f.bin")
}

func TestDataBeforeAcceptRefused(t *testing.T) {
	block := make(chan struct{})
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return Answer{Accept: true}
	}))
	defer close(block)
	p := dialRaw(t, rx)
	_ = p.ss.fw.control(FrameOffer, offerOf(Item{Path: "f.bin", Kind: KindFile, Size: 5}))
	_ = p.ss.fw.data(0, 0, []byte("hello"))
	_ = p.ss.fw.flush()
	re := rx.waitFinal(t)
	if re.State != StateFailed || !IsCode(re.Err, errcode.Protocol) {
		t.Fatalf("got %v %v", re.State, re.Err)
	}
	if _, err := os.Stat(rx.dir); !os.IsNotExist(err) {
		t.Fatal("download folder touched before consent")
	}
}

func TestStalledHandshakeDropped(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	c, err := net.Dial("tcp", rx.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Say nothing. The server must hang up by itself.
	_ = c.SetReadDeadline(time.Now().Add(HandshakeTimeout + 5*time.Second))
	start := time.Now()
	buf := make([]byte, 1)
	_, err = c.Read(buf)
	if err == nil || time.Since(start) > HandshakeTimeout+3*time.Second {
		t.Fatalf("stalled handshake not dropped in time: %v after %v", err, time.Since(start))
	}
}

func assertNoFinalFile(t *testing.T, rx *testNode, name string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(rx.dir, name)); !os.IsNotExist(err) {
		t.Fatalf("%s was renamed into place", name)
	}
}

func TestOfferFloodIsRateLimited(t *testing.T) {
	block := make(chan struct{})
	var asked sync.WaitGroup
	rx := startReceiver(t, AcceptorFunc(func(ctx context.Context, r *Request) Answer {
		asked.Done()
		select {
		case <-block:
		case <-ctx.Done():
		}
		return Answer{}
	}))
	defer close(block)
	refused := make(chan error, 64)
	rx.srv.OnRefused = func(_ PeerInfo, err error) { refused <- err }
	// Two offers may wait for the person; the third from the same host is
	// refused without a dialog.
	asked.Add(2)
	for i := 0; i < 2; i++ {
		p := dialRaw(t, rx)
		_ = p.ss.fw.control(FrameOffer, offerOf(Item{Kind: KindText, Size: 1, Text: "x"}))
	}
	asked.Wait()
	p := dialRaw(t, rx)
	_ = p.ss.fw.control(FrameOffer, offerOf(Item{Kind: KindText, Size: 1, Text: "x"}))
	if _, err := p.until(FrameDecision); err == nil {
		t.Fatal("a third concurrent offer from one host reached the person")
	}
	if err := <-refused; !IsCode(err, errcode.RateLimited) {
		t.Fatalf("refusal: %v", err)
	}
}

func TestSilentConnectionsDontLockOthersOut(t *testing.T) {
	rx := startReceiver(t, acceptAll)
	// One host opens many connections and never speaks.
	for i := 0; i < 70; i++ { // more than all the shared handshake slots
		c, err := net.Dial("tcp", rx.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	// Loopback is one host too, so the legitimate probe comes from
	// another loopback address.
	id, _ := NewEphemeralIdentity()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	c, err := d.Dial("tcp", rx.addr)
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	c.Close()
	_, port, _ := net.SplitHostPort(rx.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := probeFrom(ctx, id, "127.0.0.2", "127.0.0.1:"+port); err != nil {
		t.Fatalf("another device was locked out: %v", err)
	}
}

// probeFrom is Probe from a chosen local address (tests of per-host limits).
func probeFrom(ctx context.Context, id *Identity, local, addr string) (PeerInfo, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return PeerInfo{}, err
	}
	defer raw.Close()
	tc := tls.Client(raw, id.ClientTLS(""))
	if err := tc.HandshakeContext(ctx); err != nil {
		return PeerInfo{}, err
	}
	ss := newSession(tc)
	if err := ss.afterHandshake(); err != nil {
		return PeerInfo{}, err
	}
	h := helloFor(Hello{Probe: true})
	h.Probe = true
	return ss.peer, func() error { _, err := exchangeHello(ss, h, true); return err }()
}

// Names a Mac or Linux sender can make but Windows can't hold are saved
// under safe names; the offer shows the sender's names, Saved the saved ones.
func TestNamesOtherSystemsAllowSaved(t *testing.T) {
	var offered []Item
	rx := startReceiver(t, AcceptorFunc(func(_ context.Context, r *Request) Answer {
		offered = r.Offer.Items
		return Answer{Accept: true}
	}))
	src := filepath.Join(t.TempDir(), "Notes: 2024")
	want := map[string]string{ // offered (relative to src's parent) → saved
		"Notes: 2024/Meeting notes: 10:30.txt": "Notes_ 2024/Meeting notes_ 10_30.txt",
		"Notes: 2024/con.txt":                  "Notes_ 2024/con_.txt",
		"Notes: 2024/trail.":                   "Notes_ 2024/trail_",
		"Notes: 2024/image.jpg":                "",
		"Notes: 2024/IMAGE.JPG":                "",
	}
	for rel := range want {
		writeFile(t, filepath.Join(filepath.Dir(src), rel), []byte(rel))
	}
	ev, err := send(t, rx, src)
	if err != nil || ev.State != StateDone {
		t.Fatalf("send: %v %+v", err, ev)
	}
	got := rx.waitFinal(t)
	if got.State != StateDone || got.FilesDone != len(want) {
		t.Fatalf("receiver %+v", got)
	}
	paths := map[string]bool{}
	for _, it := range offered {
		paths[it.Path] = true
	}
	for rel, save := range want {
		if !paths[rel] {
			t.Errorf("the offer does not show %q: %v", rel, offered)
		}
		if save == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(rx.dir, filepath.FromSlash(save)))
		if err != nil || string(b) != rel || !slices.Contains(got.Saved, save) {
			t.Errorf("%q: saved %v; %q holds %q (%v)", rel, got.Saved, save, b, err)
		}
	}
	// The case clash: one keeps its name, the other gets " (1)".
	var clash []string
	for _, s := range got.Saved {
		if strings.EqualFold(strings.Replace(s, " (1)", "", 1), "Notes_ 2024/image.jpg") {
			clash = append(clash, s)
		}
	}
	if len(clash) != 2 || strings.EqualFold(clash[0], clash[1]) {
		t.Errorf("case clash saved as %v (all: %v)", clash, got.Saved)
	}
	assertNothingOutside(t, rx)
}
