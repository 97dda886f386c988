package lan

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
	"github.com/lempar/lempar/transfer"
)

// Issue 13 items 5 and 6 with real lempar-cli processes and an attacker
// written here (helpers on a LAN host): every field a peer controls reaches
// the terminal escaped, and a "y" typed before the question accepts
// nothing.

// Hostile strings: a screen clear, a window title, a clipboard write
// (OSC 52), a bidi override and invisible format characters.
const (
	evilName   = "Budi\x1b[2J\x1b]0;owned\x07-PC\u202e"
	evilText   = "hi\x1b]52;c;cHduZWQ=\x07 there\u200b\u2066x\u2069\u009b31m"
	evilFile   = "invoice\u202efdp.exe"
	evilCode   = "bogus\x1b[2J"
	evilDetail = "\x1b]0;title\x07 \u202eevil\u2028line"
)

func init() {
	f := strings.Fields(os.Getenv(envHelper))
	if len(f) == 0 || !strings.HasPrefix(f[0], "term-") {
		return
	}
	out := json.NewEncoder(os.Stdout)
	var err error
	switch {
	case f[0] == "term-offer" && len(f) == 2:
		err = termOffers(out, f[1])
	case f[0] == "term-stale" && len(f) == 2:
		var res string
		res, err = offerItems(transfer.Hello{Name: "Plain"}, f[1], []transfer.Item{{Kind: transfer.KindText, Text: "hi", Size: 2}}, 3*time.Second)
		if err == nil {
			_ = out.Encode(map[string]any{"event": "offer", "result": res})
		}
	case f[0] == "term-server" && len(f) == 1:
		err = termServer(out)
	default:
		err = fmt.Errorf("unknown helper %q", f[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// termOffers offers, as evilName, a hostile text and then a file with a
// bidi override in its name; it reports each result.
func termOffers(out *json.Encoder, addr string) error {
	hello := transfer.Hello{Name: evilName, OS: "linux\x1b[2J", App: "lan\x07test"}
	res, err := offerItems(hello, addr, []transfer.Item{{Kind: transfer.KindText, Text: evilText, Size: int64(len(evilText))}}, 20*time.Second)
	if err != nil {
		return err
	}
	_ = out.Encode(map[string]any{"event": "offer", "what": "text", "result": res})
	res, err = offerItems(hello, addr, []transfer.Item{{Kind: transfer.KindFile, Path: evilFile, Size: 4}}, 20*time.Second)
	if err != nil {
		return err
	}
	return out.Encode(map[string]any{"event": "offer", "what": "file", "result": res})
}

// offerItems offers items under hello and reports "accepted", "declined",
// "pending" (no decision within wait) or "error <frame>". An accepted
// text-only offer is complete: it says goodbye like a real sender.
func offerItems(hello transfer.Hello, addr string, items []transfer.Item, wait time.Duration) (string, error) {
	id, err := transfer.NewEphemeralIdentity()
	if err != nil {
		return "", err
	}
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
	hello.Proto, hello.MinProto = transfer.ProtocolVersion, transfer.MinProtocolVersion
	if err := writeFrame(w, transfer.FrameHello, hello); err != nil {
		return "", err
	}
	if t, p, err := readFrame(r); err != nil || t != transfer.FrameHello {
		return "", fmt.Errorf("no hello back: %v %s", err, p)
	}
	if err := writeFrame(w, transfer.FrameOffer, transfer.Offer{Session: uuid.NewString(), Items: items}); err != nil {
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
			return "closed: " + err.Error(), nil // refused without a word
		case t == transfer.FramePing:
		case t == transfer.FrameDecision:
			var d transfer.Decision
			_ = json.Unmarshal(p, &d)
			if d.Accept {
				_ = writeFrame(w, transfer.FrameBye, transfer.Bye{})
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

// termServer is a receiver that answers every sender with a hostile name
// and, after the offer, an error frame with a hostile code and detail.
func termServer(out *json.Encoder) error {
	id, err := transfer.NewEphemeralIdentity()
	if err != nil {
		return err
	}
	ln, err := tls.Listen("tcp", ":0", id.ServerTLS())
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
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			r, w := bufio.NewReader(c), bufio.NewWriter(c)
			if t, _, err := readFrame(r); err != nil || t != transfer.FrameHello {
				return
			}
			hello := transfer.Hello{Proto: transfer.ProtocolVersion, MinProto: transfer.MinProtocolVersion, Name: evilName, OS: "linux", App: "lan-test"}
			if writeFrame(w, transfer.FrameHello, hello) != nil {
				return
			}
			if t, _, err := readFrame(r); err != nil || t != transfer.FrameOffer {
				return
			}
			_ = writeFrame(w, transfer.FrameError, transfer.ErrorMsg{Code: evilCode, Detail: evilDetail})
			_, _ = io.Copy(io.Discard, r) // until the sender hangs up
		}()
	}
}

// rawControl names the first control, bidi or invisible format character
// (or invalid UTF-8) in s, "" when there is none; newlines and tabs pass.
func rawControl(s string) string {
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r == utf8.RuneError:
			return fmt.Sprintf("invalid UTF-8 at byte %d", i)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f),
			r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e,
			r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029, r == 0xfeff:
			return fmt.Sprintf("%U at byte %d", r, i)
		}
	}
	return ""
}

// pipe is the receiver's stdin: an OS pipe (no copying goroutine that
// would keep the process's Wait waiting for our end to close).
func pipe(t *testing.T) (*os.File, *os.File) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

var portRe = regexp.MustCompile(`on port (\d+)\.`)

// humanReceiver starts `lempar-cli receive` with the person's output (not
// --json) on host h, answering through stdin; it returns the process and
// the address to send to.
func humanReceiver(t *testing.T, l *netns.LAN, h int, stdin io.Reader) (*testproc.Proc, string) {
	t.Helper()
	dl := filepath.Join(t.TempDir(), "dl")
	p := run(t, l, h, stdin, nil, the.cli, "--config", filepath.Join(t.TempDir(), "rx"), "receive", "--hidden", "--port", "0", "--dir", dl, "--name", "Sari-PC", "--no-localsend")
	var port string
	if !p.Until(20*time.Second, func() bool {
		m := portRe.FindStringSubmatch(p.Output() + p.Stderr())
		if m != nil {
			port = m[1]
		}
		return m != nil
	}) {
		t.Fatalf("the receiver never said its port: %s", p.Output()+p.Stderr())
	}
	return p, net.JoinHostPort(l.Addr(h).String(), port)
}

// TestTerminalHostileFields: a sender named with ESC/OSC sequences and bidi
// characters offers a hostile text (accepted through the prompt) and a file
// named invoice<U+202E>fdp.exe; a receiver with a hostile name answers a
// lempar-cli send with an error frame whose code and detail are hostile.
// Neither lempar-cli prints a raw control, bidi or invisible character, and
// the hostile parts are shown as visible escapes.
func TestTerminalHostileFields(t *testing.T) {
	requireSuite(t)
	start := time.Now()
	l := netns.New(t, 2)
	const rxHost, attacker = 0, 1
	stdinR, stdinW := pipe(t)
	rx, addr := humanReceiver(t, l, rxHost, stdinR)

	evil := run(t, l, attacker, nil, []string{envHelper + "=term-offer " + addr}, os.Args[0])
	if !rx.Until(20*time.Second, func() bool { return strings.Contains(rx.Output()+rx.Stderr(), "Accept? [y/N]") }) {
		t.Fatalf("the question was never shown: %s", rx.Output()+rx.Stderr())
	}
	if _, err := io.WriteString(stdinW, "y\n"); err != nil {
		t.Fatal(err)
	}
	_, ev := evil.WaitFrom(0, 20*time.Second, "text offer", func(e testproc.Event) bool { return e.Str("what") == "text" })
	if ev.Str("result") != "accepted" {
		t.Fatalf("the text offer was %s", ev.Str("result"))
	}
	// The file named with a bidi override is refused before anyone is
	// asked, and the refusal names it.
	_, ev = evil.WaitFrom(0, 20*time.Second, "file offer", func(e testproc.Event) bool { return e.Str("what") == "file" })
	if ev.Str("result") == "accepted" || ev.Str("result") == "pending" {
		t.Fatalf("the file offer named %q was %s", evilFile, ev.Str("result"))
	}
	if !rx.Until(10*time.Second, func() bool {
		out := rx.Output() + rx.Stderr()
		return strings.Contains(out, "there") && strings.Contains(out, "fdp.exe")
	}) {
		t.Fatalf("the text or the refusal never appeared: %s", rx.Output()+rx.Stderr())
	}

	srv := run(t, l, attacker, nil, []string{envHelper + "=term-server"}, os.Args[0])
	_, ev = srv.WaitFrom(0, 10*time.Second, "listening", func(e testproc.Event) bool { return e.Str("event") == "listening" })
	to := net.JoinHostPort(l.Addr(attacker).String(), fmt.Sprint(ev.Num("port")))
	src := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(src, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	send := run(t, l, rxHost, nil, nil, the.cli, "--config", filepath.Join(t.TempDir(), "tx"), "send", "--name", "Budi", "--to", to, src)
	code := send.Exit(30 * time.Second)

	for name, out := range map[string]string{"receive": rx.Output() + rx.Stderr(), "send": send.Output() + send.Stderr()} {
		if bad := rawControl(out); bad != "" {
			t.Errorf("lempar-cli %s printed %s raw:\n%q", name, bad, out)
		}
	}
	recvOut := rx.Output() + rx.Stderr()
	// Peer names are cleaned by the engine (controls and bidi removed);
	// texts and file names are shown with visible escapes.
	if !strings.Contains(recvOut, "Budi[2J]0;owned-PC") {
		t.Errorf("the sender's name is not shown cleaned:\n%s", recvOut)
	}
	for _, want := range []string{`\x1b]52;c;cHduZWQ=\x07`, `\u200b`, `\u2066`, `\u009b`, `invoice\u202efdp.exe`} {
		if !strings.Contains(recvOut, want) {
			t.Errorf("lempar-cli receive does not show %s escaped:\n%s", want, recvOut)
		}
	}
	sendOut := send.Output() + send.Stderr()
	if code == 0 || !strings.Contains(sendOut, `\x1b[2J`) || !strings.Contains(sendOut, `\u202e`) {
		t.Errorf("lempar-cli send (exit %d) should fail showing the hostile code and detail escaped:\n%s", code, sendOut)
	}
	t.Logf("lempar-cli send said: %s", sendOut)
	t.Logf("FIGURE terminal: receive printed %d bytes, send %d bytes, no raw control/bidi/invisible character (%.1f s)", len(recvOut), len(sendOut), time.Since(start).Seconds())
}

// TestTerminalStaleYes: a "y" typed before any offer exists is not an
// answer to the offer that comes next; the offer waits for the person.
func TestTerminalStaleYes(t *testing.T) {
	requireSuite(t)
	start := time.Now()
	l := netns.New(t, 2)
	const rxHost, attacker = 0, 1
	stdinR, stdinW := pipe(t)
	rx, addr := humanReceiver(t, l, rxHost, stdinR)
	// Typed ahead, before anything was asked.
	if _, err := io.WriteString(stdinW, "y\n"); err != nil {
		t.Fatal(err)
	}
	// The offer comes after the line was read (at least the prompt's
	// reader has it by the time a TCP handshake, TLS and hello are done).
	evil := run(t, l, attacker, nil, []string{envHelper + "=term-stale " + addr}, os.Args[0])
	_, ev := evil.WaitFrom(0, 20*time.Second, "offer result", func(e testproc.Event) bool { return e.Str("event") == "offer" })
	if ev.Str("result") != "pending" {
		t.Fatalf("an offer after a typed-ahead y was %s; want it still waiting for the person after 3 s", ev.Str("result"))
	}
	if !strings.Contains(rx.Output()+rx.Stderr(), "Accept? [y/N]") {
		t.Fatalf("the question was never shown: %s", rx.Output()+rx.Stderr())
	}
	t.Logf("FIGURE stale y: typed before the offer, not taken as an answer (offer still pending after 3 s; %.1f s)", time.Since(start).Seconds())
}
