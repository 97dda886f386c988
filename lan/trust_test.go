package lan

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
	"github.com/lempar/lempar/transfer"
)

// Issue 13's trust scenarios: an impostor at a known device's address, a
// certificate whose self-signature is broken (either side), and ID prefixes
// short enough to grind. The attacker is test code run as a helper on a LAN
// host: a minimal client and server of the wire format (transfer/doc.go).

// Helpers of this file, dispatched from init so that helper_test.go's list
// stays as it is: init runs before TestMain, in the helper process only.
func init() {
	what := os.Getenv(envHelper)
	f := strings.Fields(what)
	if len(f) == 0 || !strings.HasPrefix(f[0], "trust-") {
		return
	}
	out := json.NewEncoder(os.Stdout)
	var err error
	switch {
	case f[0] == "trust-impostor" && len(f) == 3:
		err = impostor(out, f[1], f[2])
	case f[0] == "trust-badcert-client" && len(f) == 2:
		err = badCertClient(out, f[1])
	case f[0] == "trust-badcert-server" && len(f) == 1:
		err = badCertServer(out)
	default:
		err = fmt.Errorf("unknown helper %q", what)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// impostor answers hellos as NAME ("probed" each time); after the first
// probe it offers a text to RXADDR and says whether it was decided within
// 3 s ("offer" with "result": decided, pending or busy).
func impostor(out *json.Encoder, name, rxAddr string) error {
	id, err := transfer.NewEphemeralIdentity()
	if err != nil {
		return err
	}
	ln, err := tls.Listen("tcp", ":0", id.ServerTLS())
	if err != nil {
		return err
	}
	defer ln.Close()
	_ = out.Encode(map[string]any{"event": "listening", "port": ln.Addr().(*net.TCPAddr).Port, "id": id.ID})
	probed := make(chan struct{}, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				r, w := bufio.NewReader(c), bufio.NewWriter(c)
				if t, _, err := readFrame(r); err != nil || t != transfer.FrameHello {
					return
				}
				hello := transfer.Hello{Proto: transfer.ProtocolVersion, MinProto: transfer.MinProtocolVersion, Name: name, OS: "linux", App: "lan-test"}
				if writeFrame(w, transfer.FrameHello, hello) == nil {
					_ = out.Encode(map[string]any{"event": "probed"})
					select {
					case probed <- struct{}{}:
					default:
					}
				}
			}()
		}
	}()
	<-probed
	res, err := offerText(id, name, rxAddr, 3*time.Second)
	if err != nil {
		return err
	}
	_ = out.Encode(map[string]any{"event": "offer", "result": res})
	select {} // keep answering probes until killed
}

// offerText offers a one-word text from id as name and reports
// "decided" (accepted or declined), "pending" (nobody decided within wait)
// or "busy".
func offerText(id *transfer.Identity, name, addr string, wait time.Duration) (string, error) {
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer raw.Close()
	c := tls.Client(raw, id.ClientTLS(""))
	_ = c.SetDeadline(time.Now().Add(wait + 5*time.Second))
	if err := c.Handshake(); err != nil {
		return "", err
	}
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	hello := transfer.Hello{Proto: transfer.ProtocolVersion, MinProto: transfer.MinProtocolVersion, Name: name, OS: "linux", App: "lan-test"}
	if err := writeFrame(w, transfer.FrameHello, hello); err != nil {
		return "", err
	}
	if t, p, err := readFrame(r); err != nil || t != transfer.FrameHello {
		return "", fmt.Errorf("no hello back: %v %s", err, p)
	}
	offer := transfer.Offer{Session: uuid.NewString(), Items: []transfer.Item{{Kind: transfer.KindText, Text: "hi", Size: 2}}}
	if err := writeFrame(w, transfer.FrameOffer, offer); err != nil {
		return "", err
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	for {
		t, p, err := readFrame(r)
		var ne net.Error
		switch {
		case err != nil && asTimeout(err, &ne):
			return "pending", nil
		case err != nil:
			return "", err
		case t == transfer.FramePing:
		case t == transfer.FrameDecision:
			var d transfer.Decision
			_ = json.Unmarshal(p, &d)
			if d.Accept {
				return "accepted", nil
			}
			return "declined", nil
		case t == transfer.FrameError:
			return "error " + string(p), nil
		default:
			return "", fmt.Errorf("unexpected frame %d", t)
		}
	}
}

func asTimeout(err error, ne *net.Error) bool {
	e, ok := err.(net.Error)
	if !ok {
		if u, ok2 := err.(interface{ Unwrap() error }); ok2 {
			return asTimeout(u.Unwrap(), ne)
		}
		return false
	}
	*ne = e
	return e.Timeout()
}

// badCert is a self-signed certificate whose signature was altered after
// signing: it parses, its key is real, but it is not signed by that key.
func badCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Lempar device"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	der[len(der)-1] ^= 0x01 // the last byte is the signature's
	if _, err := x509.ParseCertificate(der); err != nil {
		return tls.Certificate{}, fmt.Errorf("altered certificate no longer parses: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// badCertClient connects to ADDR with the altered certificate and says
// whether the receiver answered its hello ("hello": true is a failure).
func badCertClient(out *json.Encoder, addr string) error {
	cert, err := badCert()
	if err != nil {
		return err
	}
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer raw.Close()
	c := tls.Client(raw, &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}, NextProtos: []string{"lempar/1"}, InsecureSkipVerify: true})
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	got := false
	if err := c.Handshake(); err == nil {
		w, r := bufio.NewWriter(c), bufio.NewReader(c)
		hello := transfer.Hello{Proto: transfer.ProtocolVersion, MinProto: transfer.MinProtocolVersion, Name: "forged", OS: "linux", App: "lan-test"}
		if writeFrame(w, transfer.FrameHello, hello) == nil {
			t, _, err := readFrame(r)
			got = err == nil && t == transfer.FrameHello
		}
	}
	return out.Encode(map[string]any{"event": "result", "hello": got})
}

// badCertServer listens with the altered certificate and reports whether a
// sender went past the handshake ("hello" events are failures).
func badCertServer(out *json.Encoder) error {
	cert, err := badCert()
	if err != nil {
		return err
	}
	ln, err := tls.Listen("tcp", ":0", &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}, NextProtos: []string{"lempar/1"}, ClientAuth: tls.RequireAnyClientCert})
	if err != nil {
		return err
	}
	defer ln.Close()
	_ = out.Encode(map[string]any{"event": "listening", "port": ln.Addr().(*net.TCPAddr).Port})
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			if t, _, err := readFrame(bufio.NewReader(c)); err == nil && t == transfer.FrameHello {
				_ = out.Encode(map[string]any{"event": "hello"})
			}
		}()
	}
}

// TestImpostorAtKnownAddress: Sari-PC knows Budi-PC at 10.x:port, with
// auto-accept for known devices on. Budi is gone; a stranger now answers
// at that address as "Budi-PC". Discovery's retry of the known device
// reaches it, and it then offers a text. It must not be remembered, not
// auto-accepted, and the person is warned that the name belongs to a known
// device.
func TestImpostorAtKnownAddress(t *testing.T) {
	requireSuite(t)
	start := time.Now()
	l := netns.New(t, 2)
	const rxHost, attacker = 0, 1
	tmp := t.TempDir()
	budiID := deviceID(t, l, attacker, filepath.Join(tmp, "budi")) // the real Budi, now away
	rxCfg := filepath.Join(tmp, "rx-config")
	if err := os.MkdirAll(rxCfg, 0o700); err != nil {
		t.Fatal(err)
	}
	// The impostor needs the receiver's address before the receiver runs,
	// so it offers to a port chosen here.
	rxPort := freePortIn(t, l, rxHost)
	rxAddr := net.JoinHostPort(l.Addr(rxHost).String(), fmt.Sprint(rxPort))
	imp := runHelper(t, l, attacker, "trust-impostor Budi-PC "+rxAddr)
	_, lev := imp.WaitFrom(0, 20*time.Second, "impostor listening", func(e testproc.Event) bool { return e.Str("event") == "listening" })
	impID := lev.Str("id")
	known := fmt.Sprintf(`{"version":1,"devices":[{"id":%q,"name":"Budi-PC","lastAddr":"%s:%d","autoAccept":true,"firstSeen":"2024-01-01T00:00:00Z","lastSeen":"2024-01-01T00:00:00Z"}]}`,
		budiID, l.Addr(attacker), lev.Num("port"))
	writeFile(t, filepath.Join(rxCfg, "known-devices.json"), known)
	writeFile(t, filepath.Join(rxCfg, "settings.json"), `{"autoAcceptKnown":true}`)

	stdinR, stdinW, err := os.Pipe() // a person who never answers
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdinW.Close(); stdinR.Close() })
	args := []string{"--config", rxCfg, "receive", "--hidden", "--json", "--no-localsend", "--port", fmt.Sprint(rxPort), "--dir", filepath.Join(tmp, "dl"), "--name", "Sari-PC"}
	rx := run(t, l, rxHost, stdinR, nil, the.cli, args...)
	rx.WaitFrom(0, 20*time.Second, "listening", func(e testproc.Event) bool { return e.Str("event") == "listening" })
	imp.WaitFrom(0, 60*time.Second, "the receiver probing the known address", func(e testproc.Event) bool { return e.Str("event") == "probed" })
	_, oev := imp.WaitFrom(0, 30*time.Second, "the impostor's offer", func(e testproc.Event) bool { return e.Str("event") == "offer" })
	if r := oev.Str("result"); r != "pending" {
		t.Fatalf("the impostor's offer was %s, want pending (asked, never auto-accepted)", r)
	}
	b, err := os.ReadFile(filepath.Join(rxCfg, "known-devices.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), impID) || !strings.Contains(string(b), budiID) {
		t.Fatalf("trust store after the impostor: %s", b)
	}
	// The question on stderr warns that a known device has that name.
	if !rx.Until(10*time.Second, func() bool { return strings.Contains(rx.Stderr(), clashText) }) {
		t.Errorf("no name-clash warning with the offer; stderr:\n%s", testproc.Tail(rx.Stderr(), 20))
	}
	t.Logf("FIGURE impostor scenario %.1f s", time.Since(start).Seconds())
}

// TestBadSelfSignature: a certificate not signed by its own key is refused
// by a receiver (the forger never gets a hello) and by a sender (nothing is
// offered to it).
func TestBadSelfSignature(t *testing.T) {
	requireSuite(t)
	start := time.Now()
	l := netns.New(t, 2)
	tmp := t.TempDir()
	rx := startReceiver(t, l, 0, filepath.Join(tmp, "dl"), nil, "--yes", "--no-localsend")
	cl := runHelper(t, l, 1, "trust-badcert-client "+rx.addr)
	_, res := cl.WaitFrom(0, 20*time.Second, "forged client's result", func(e testproc.Event) bool { return e.Str("event") == "result" })
	if res.M["hello"] != false {
		t.Fatalf("the receiver answered a client whose certificate is not self-signed: %v", res)
	}

	srv := runHelper(t, l, 1, "trust-badcert-server")
	_, lev := srv.WaitFrom(0, 20*time.Second, "forged server listening", func(e testproc.Event) bool { return e.Str("event") == "listening" })
	to := net.JoinHostPort(l.Addr(1).String(), fmt.Sprint(lev.Num("port")))
	send := startSend(t, l, 0, filepath.Join(tmp, "tx"), to, "--text", "secret", "--retry-for", "0s")
	code := send.Exit(30 * time.Second)
	fin, _ := send.LastFinal()
	if code == 0 || fin.Str("error_code") != "no-certificate" {
		t.Fatalf("send to a forged certificate: exit %d, %v", code, fin)
	}
	if n := len(srv.Events()); n > 1 {
		t.Fatalf("the sender went past the handshake with a forged certificate: %v", srv.Events())
	}
	t.Logf("FIGURE bad self-signature scenario %.1f s", time.Since(start).Seconds())
}

// TestShortIDPrefix: --accept-from and --to refuse an ID prefix shorter
// than 32 hex digits, saying so.
func TestShortIDPrefix(t *testing.T) {
	requireSuite(t)
	start := time.Now()
	l := netns.New(t, 1)
	cfg := filepath.Join(t.TempDir(), "cfg")
	for _, args := range [][]string{
		{"--config", cfg, "receive", "--no-localsend", "--hidden", "--port", "0", "--accept-from", "a3f9c21e"},
		{"--config", cfg, "send", "--to", "a3f9c21e07b4", "--text", "hi"},
	} {
		p := run(t, l, 0, nil, nil, the.cli, args...)
		if code := p.Exit(20 * time.Second); code != 1 {
			t.Fatalf("%v: exit %d, want 1: %s", args, code, p.Stderr())
		}
		if msg := p.Stderr(); !strings.Contains(msg, "at least 32 hex digits") {
			t.Fatalf("%v: the error doesn't say what an ID prefix needs: %s", args, msg)
		}
	}
	t.Logf("FIGURE short ID prefix scenario %.1f s", time.Since(start).Seconds())
}

// clashText is the start of ui.offer.clash in English.
const clashText = "Warning: this is a NEW device calling itself"

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// freePortIn finds a free TCP port on host h's address.
func freePortIn(t *testing.T, l *netns.LAN, h int) int {
	t.Helper()
	out, err := l.Run(h, "sh", "-c", "python3 -c 'import socket; s=socket.socket(); s.bind((\"\",0)); print(s.getsockname()[1])'")
	if err != nil {
		t.Fatalf("finding a free port: %v %s", err, out)
	}
	var p int
	if _, err := fmt.Sscan(strings.TrimSpace(out), &p); err != nil {
		t.Fatal(err)
	}
	return p
}
