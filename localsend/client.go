package localsend

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lempar/lempar/transfer"
)

// errFingerprint is returned (wrapped) when an HTTPS peer shows another
// certificate than the fingerprint it is known by.
type errFingerprint struct{ expected, got string }

func (e *errFingerprint) Error() string {
	return fmt.Sprintf("certificate %s… doesn't match fingerprint %s…", transfer.ShortID(e.got), transfer.ShortID(e.expected))
}

// certSeen remembers the fingerprint of the certificate a peer showed.
type certSeen struct {
	mu sync.Mutex
	fp string
}

func (c *certSeen) get() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fp
}

// newClient makes the HTTP client for talking to LocalSend peers. Over
// HTTPS we show our identity certificate (its hash is our fingerprint) and
// check the peer's: LocalSend's fingerprint is the SHA-256 of its
// certificate, so when we know a peer's hex fingerprint, a different
// certificate is someone else. Without one (a peer added by address) the
// certificate is recorded in seen instead.
func newClient(id *transfer.Identity, expect string, conns int, seen *certSeen) *http.Client {
	tlsCfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // self-signed: replaced by the fingerprint check
		NextProtos:         []string{"http/1.1"},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &id.Cert, nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no certificate")
			}
			got := transfer.IDOf(cs.PeerCertificates[0].Raw)
			if seen != nil {
				seen.mu.Lock()
				seen.fp = got
				seen.mu.Unlock()
			}
			if isHex64(expect) && !strings.EqualFold(expect, got) {
				return &errFingerprint{expected: strings.ToLower(expect), got: got}
			}
			return nil
		},
	}
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns + 1,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		WriteBufferSize:     256 << 10,
		ReadBufferSize:      64 << 10,
		ForceAttemptHTTP2:   false,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// endpoint builds a LocalSend API URL.
func endpoint(protocol, hostport, path string, q url.Values) string {
	u := url.URL{Scheme: protocol, Host: hostport, Path: path}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// postJSON sends v and returns the status and at most max bytes of body.
func postJSON(ctx context.Context, c *http.Client, u string, v any, max int64) (int, []byte, error) {
	var body io.Reader
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return 0, nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return 0, nil, err
	}
	if v != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	if int64(len(b)) > max {
		return resp.StatusCode, nil, fmt.Errorf("answer is larger than %d bytes", max)
	}
	return resp.StatusCode, b, nil
}

// isPlainHTTPAnswer reports an HTTPS attempt that met an HTTP-only server.
func isPlainHTTPAnswer(err error) bool {
	var rh tls.RecordHeaderError
	return errors.As(err, &rh) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}
