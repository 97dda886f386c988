package transfer

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/lempar/lempar/internal/errcode"
)

// Timeouts shared by both ends. A silent link is noticed within IdleTimeout
// because each side pings after PingInterval without writing.
const (
	HandshakeTimeout = 10 * time.Second
	PingInterval     = 2 * time.Second
	IdleTimeout      = 10 * time.Second
	writeTimeout     = 30 * time.Second
	// OfferTimeout is how long an offer waits for a person before it
	// expires on both sides.
	OfferTimeout = 2 * time.Minute
)

// session is one TLS connection speaking frames, from either end.
type session struct {
	tc   *tls.Conn
	fr   *frameReader
	fw   *frameWriter
	peer PeerInfo
	code string

	closeOnce sync.Once
}

func newSession(tc *tls.Conn) *session {
	var w io.Writer = tc
	if bc, ok := tc.NetConn().(*batchConn); ok {
		w = batchWriter{tls: tc, bc: bc}
	}
	return &session{
		tc: tc,
		fr: newFrameReader(tc, tc, IdleTimeout),
		fw: newFrameWriter(w, tc, writeTimeout),
	}
}

// afterHandshake fills in what the TLS handshake established.
func (s *session) afterHandshake() error {
	cs := s.tc.ConnectionState()
	if cs.Version != tls.VersionTLS13 {
		return newErr(errcode.TLSVersion, nil)
	}
	s.peer.ID = PeerID(cs)
	s.peer.Verified = true // the ID is the certificate this handshake proved
	s.peer.Addr = s.tc.RemoteAddr().String()
	code, err := VerificationCode(cs)
	if err != nil {
		return err
	}
	s.code = code
	return nil
}

func (s *session) close() {
	s.closeOnce.Do(func() { _ = s.tc.Close() })
}

// lingerTime bounds how long a closing side keeps reading after it said
// why it is leaving.
const lingerTime = time.Second

// closeAfterFinal ends a session after sendFinal: it half-closes and lets
// the readers drain until the peer hangs up (or lingerTime passes). Closing
// with unread data would send a TCP reset, and a reset can make the peer's
// kernel discard the very cancel frame that explains the close.
func (s *session) closeAfterFinal() {
	_ = s.tc.CloseWrite()
	s.fr.stop(time.Now().Add(lingerTime))
	time.AfterFunc(lingerTime, s.close)
}

// keepalive pings whenever nothing else was written for PingInterval, so
// the other side's IdleTimeout only fires on a dead link.
func (s *session) keepalive(ctx context.Context) {
	t := time.NewTicker(PingInterval / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if s.fw.idleFor() >= PingInterval {
				if err := s.fw.control(FramePing, struct{}{}); err != nil {
					return
				}
			}
		}
	}
}

// sendFinal tries to tell the other side why the session ends, without
// waiting long: a data write blocked on a stalled link holds the writer.
func (s *session) sendFinal(t FrameType, msg any) {
	if !s.fw.tryLock(300 * time.Millisecond) {
		return
	}
	defer func() { <-s.fw.sem }()
	_ = s.tc.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
	b, err := json.Marshal(msg)
	if err != nil {
		return
	}
	if writeHeader(s.fw.w, t, len(b)) == nil {
		if _, err := s.fw.w.Write(b); err == nil {
			_ = s.fw.w.Flush()
		}
	}
}

// helloFor fills the protocol fields of a hello.
func helloFor(h Hello) Hello {
	h.Proto, h.MinProto = ProtocolVersion, MinProtocolVersion
	h.Caps = []string{capSwarm}
	if h.OS == "" {
		h.OS = runtime.GOOS
	}
	return h
}

// checkVersion refuses peers whose range does not overlap ours.
func checkVersion(h Hello) error {
	if h.Proto < MinProtocolVersion {
		return newErr(errcode.PeerTooOld, nil, "Name", h.Name)
	}
	if h.MinProto > ProtocolVersion {
		return newErr(errcode.PeerTooNew, nil, "Name", h.Name)
	}
	return nil
}

// cleanPeerName makes a peer-chosen name safe to show: no control or
// bidi-override characters (which could disguise a name), at most 64 runes,
// and never empty.
func cleanPeerName(name, id string) string {
	var b []rune
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		b = append(b, r)
		if len(b) == 64 {
			break
		}
	}
	if s := strings.TrimSpace(string(b)); s != "" {
		return s
	}
	return "Lempar " + ShortID(id)
}
