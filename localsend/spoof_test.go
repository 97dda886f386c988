package localsend

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/transfer"
)

// TestForgedAnnouncementKeepsProvenDevice: anyone can multicast a phone's
// fingerprint. A phone proven over HTTPS is listed; an attacker on another
// address (127.0.0.2) announces and registers that fingerprint with
// protocol http at its own port. The listing keeps the proven address and
// protocol, a send reaches the real phone byte-identical and nothing of it
// reaches the attacker; an attacker answering HTTPS at the phone's own
// address with another certificate fails the send on the pin.
func TestForgedAnnouncementKeepsProvenDevice(t *testing.T) {
	netns.RequireLoopback(t)
	id, _ := transfer.NewEphemeralIdentity()
	lp := New(Config{
		Identity: id, Alias: func() string { return "Lempar" }, Dir: func() string { return t.TempDir() },
		Acceptor: transfer.AcceptorFunc(func(context.Context, *transfer.Request) transfer.Answer { return transfer.Answer{} }),
		Port:     -1, IncludeLoopback: true,
	})
	if err := lp.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- lp.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	phone := startRx(t, accept, nil)
	real := phone.device()
	real.Alias = "Receiver"

	// The phone registers with its client certificate: proven.
	phoneClient := newClient(phone.svc.cfg.Identity, "", 1, nil)
	regURL := endpoint("https", netip.AddrPortFrom(netipAddr("127.0.0.1"), uint16(lp.Port())).String(), apiV2+"register", nil)
	if st, _, err := postJSON(ctx, phoneClient, regURL, phone.svc.Self(), maxInfoJSON); err != nil || st != http.StatusOK {
		t.Fatalf("phone's register: %d %v", st, err)
	}
	listed := func() Device {
		t.Helper()
		d, ok := lp.Device(real.ID)
		if !ok {
			t.Fatal("phone not listed")
		}
		return d
	}
	if d := listed(); !d.Proven || d.Protocol != "https" || d.Addr != real.Addr {
		t.Fatalf("phone listed as %+v", d)
	}

	// The attacker: a plain HTTP server on 127.0.0.2 that answers
	// registers with the forged description and counts anything else.
	var hits, regs atomic.Int32
	aln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	aport := aln.Addr().(*net.TCPAddr).Port
	forged := DeviceInfo{Alias: "Receiver", Version: Version, DeviceType: str("mobile"), Fingerprint: real.Fingerprint, Port: aport, Protocol: "http"}
	asrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == apiV2+"register" {
			regs.Add(1)
			reply(w, http.StatusOK, forged)
			return
		}
		hits.Add(1)
		reply(w, http.StatusOK, PrepareResponse{SessionID: "x", Files: map[string]string{"f0": "t"}})
	})}
	go func() { _ = asrv.Serve(aln) }()
	t.Cleanup(func() { asrv.Close() })

	// 1. Multicast from 127.0.0.2; a canary after it shows the forged
	// datagram was handled (one reader handles datagrams in order).
	uc, err := net.ListenPacket("udp4", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	yes, no := true, false
	ann := forged // a copy: the attacker's handler reads forged meanwhile
	ann.Announce = &yes
	b, _ := json.Marshal(ann)
	canary := DeviceInfo{Alias: "canary", Fingerprint: strings.Repeat("C", 64), Port: aport, Protocol: "https", Announce: &no}
	cb, _ := json.Marshal(canary)
	group := &net.UDPAddr{IP: net.ParseIP(MulticastAddr4), Port: DefaultPort}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, _ = uc.WriteTo(b, group)
		_, _ = uc.WriteTo(cb, group)
		if _, ok := lp.Device(PeerID(canary.Fingerprint)); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the announcements were not heard")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// 2. Our answer to that announcement: a register to the attacker, who
	// answers with the forged description (done here synchronously; the
	// discovery loop also does it in the background).
	lp.register(ctx, deviceFrom(&forged, netipAddr("127.0.0.2"), time.Now()))
	if regs.Load() == 0 {
		t.Fatal("the attacker got no register")
	}
	// 3. A register from 127.0.0.2 over HTTPS, without a client
	// certificate, claiming the fingerprint with protocol http.
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	ac := &http.Client{Transport: &http.Transport{DialContext: d.DialContext, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	defer ac.CloseIdleConnections()
	if st, _, err := postJSON(ctx, ac, regURL, forged, maxInfoJSON); err != nil || st != http.StatusOK {
		t.Fatalf("attacker's register: %d %v", st, err)
	}
	if d := listed(); !d.Proven || d.Protocol != "https" || d.Addr != real.Addr {
		t.Fatalf("forged claims moved the phone: %+v", d)
	}

	// The send goes to the real phone, byte-identical.
	src := t.TempDir()
	data := randBytes(t, 300<<10)
	tree(t, src, map[string][]byte{"photo.jpg": data})
	srcs, _ := transfer.CollectSources([]string{filepath.Join(src, "photo.jpg")})
	send := func(to Device) (transfer.Event, error) {
		return Send(ctx, SendOptions{Identity: id, Self: lp.Self(), To: to}, srcs)
	}
	if ev, err := send(listed()); err != nil || ev.State != transfer.StateDone {
		t.Fatalf("send: %v %v", ev.State, err)
	}
	phone.ev.wait(t)
	if got := contents(t, phone.dir)["photo.jpg"]; !bytes.Equal(got, data) {
		t.Fatalf("the phone got %d bytes, want %d identical", len(got), len(data))
	}
	// A device listed as HTTPS is never sent to over HTTP: even aimed at
	// the attacker's HTTP port, nothing reaches its handler.
	at := listed()
	at.Addr = netip.AddrPortFrom(netipAddr("127.0.0.2"), uint16(aport))
	if _, err := send(at); err == nil {
		t.Fatal("an HTTPS device was sent to over HTTP")
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests of the send reached the attacker", n)
	}

	// The phone leaves; the attacker answers HTTPS at its address and port
	// with its own certificate: the pin on the fingerprint fails the send.
	phone.cancel()
	var iln net.Listener
	for deadline := time.Now().Add(10 * time.Second); ; {
		if iln, err = net.Listen("tcp", real.Addr.String()); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the phone's port wasn't freed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	other, _ := transfer.NewEphemeralIdentity()
	isrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		reply(w, http.StatusOK, PrepareResponse{SessionID: "x", Files: map[string]string{"f0": "t"}})
	})}
	go func() { _ = isrv.Serve(tls.NewListener(iln, &tls.Config{Certificates: []tls.Certificate{other.Cert}})) }()
	t.Cleanup(func() { isrv.Close() })
	if _, err := send(listed()); !transfer.IsCode(err, errcode.LocalSendFingerprint) {
		t.Fatalf("send to an impostor at the phone's address: %v, want the fingerprint error", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the impostor", n)
	}
}

// TestRegisterAnswerProves: our register answer to an announcement proves
// the device when the certificate answering it hashes to the fingerprint,
// and a proven device that really moved is moved by that proof.
func TestRegisterAnswerProves(t *testing.T) {
	id, _ := transfer.NewEphemeralIdentity()
	lp := New(Config{Identity: id, Alias: func() string { return "Lempar" }, NoMulticast: true})
	phone := startRx(t, accept, nil)
	dev := phone.device()
	stale := dev
	stale.Addr = netip.AddrPortFrom(netipAddr("127.0.0.3"), 9)
	stale.Proven, stale.Seen = true, time.Now()
	lp.seen(stale)
	dev.Seen = time.Now()
	lp.seen(dev) // unproven: ignored
	if d, _ := lp.Device(dev.ID); d.Addr != stale.Addr {
		t.Fatalf("an unproven claim moved a proven device: %+v", d)
	}
	if !lp.register(context.Background(), dev) {
		t.Fatal("register failed")
	}
	if d, _ := lp.Device(dev.ID); d.Addr != dev.Addr || !d.Proven || d.Protocol != "https" {
		t.Fatalf("the proven register answer didn't move it: %+v", d)
	}
}

// TestProvenHTTPSOutlivesListing: after a proven phone's listing expired,
// an unproven claim of its fingerprint over HTTP is still not listed (for
// httpsFor); one over HTTPS is (a send to it is pinned to the fingerprint).
func TestProvenHTTPSOutlivesListing(t *testing.T) {
	id, _ := transfer.NewEphemeralIdentity()
	lp := New(Config{Identity: id, Alias: func() string { return "Lempar" }, NoMulticast: true, DeviceTTL: time.Second})
	fp := strings.Repeat("AB", 32)
	at := func(ip, proto string, proven bool, when time.Time) Device {
		return Device{ID: PeerID(fp), Fingerprint: fp, Alias: "Ayu", Addr: netip.AddrPortFrom(netipAddr(ip), 53317), Protocol: proto, Proven: proven, Seen: when}
	}
	now := time.Now()
	lp.seen(at("10.0.0.5", "https", true, now.Add(-2*time.Second))) // listed, then expired
	lp.seen(at("10.0.0.66", "http", false, now))
	if d, ok := lp.Device(PeerID(fp)); ok {
		t.Fatalf("an HTTP claim of a fingerprint proven over HTTPS was listed: %+v", d)
	}
	lp.seen(at("10.0.0.66", "https", false, now))
	if d, ok := lp.Device(PeerID(fp)); !ok || d.Protocol != "https" {
		t.Fatalf("an HTTPS claim: %+v %v", d, ok)
	}
	lp.seen(at("10.0.0.66", "http", false, now)) // nor does it replace an unproven HTTPS entry
	if d, _ := lp.Device(PeerID(fp)); d.Protocol != "https" {
		t.Fatalf("downgraded: %+v", d)
	}
	lp.seen(at("10.0.0.66", "http", false, now.Add(httpsFor+time.Minute)))
	if d, _ := lp.Device(PeerID(fp)); d.Protocol != "http" {
		t.Fatalf("after httpsFor an HTTP device is listed again: %+v", d)
	}
}
