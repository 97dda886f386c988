package transfer

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/lempar/lempar/internal/errcode"
)

// alpn names the protocol so a Lempar port answering something else (or a
// LocalSend HTTPS server) fails the handshake cleanly instead of mid-stream.
const alpn = "lempar/1"

// ServerTLS is the receiver's configuration: TLS 1.3 only, and a client
// certificate is required because the sender's ID is its certificate hash.
func (id *Identity) ServerTLS() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{id.Cert},
		ClientAuth:   tls.RequireAnyClientCert,
		NextProtos:   []string{alpn},
		// Self-signed certificates: trust comes from the ID (trust on first
		// use, then the trust store), so only the shape is checked here.
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			return checkOneCert(raw)
		},
	}
}

// ClientTLS is the sender's configuration. pin is the receiver's expected ID
// ("" = trust on first use, as for add-by-address).
func (id *Identity) ClientTLS(pin string) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		Certificates:       []tls.Certificate{id.Cert},
		NextProtos:         []string{alpn},
		InsecureSkipVerify: true, // replaced by the pin check below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if err := checkOneCert(raw); err != nil {
				return err
			}
			if got := IDOf(raw[0]); pin != "" && got != pin {
				return newErr(errcode.PINMismatch, nil, "Expected", ShortID(pin), "Got", ShortID(got))
			}
			return nil
		},
	}
}

// certSkew is how far the two clocks may disagree about a certificate's
// validity period.
const certSkew = time.Hour

// checkOneCert checks the peer's certificate on either side: it parses, it
// is signed by its own key, and it is valid now. Without the signature
// check a stranger could show a certificate whose hash (its ID) was ground
// to start with a trusted prefix but whose key it never held.
func checkOneCert(raw [][]byte) error {
	if len(raw) == 0 {
		return newErr(errcode.NoCertificate, nil)
	}
	c, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return newErr(errcode.NoCertificate, err)
	}
	if err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		return newErr(errcode.NoCertificate, fmt.Errorf("the certificate is not signed by its own key: %w", err))
	}
	now := time.Now()
	if now.Add(certSkew).Before(c.NotBefore) || now.Add(-certSkew).After(c.NotAfter) {
		return newErr(errcode.NoCertificate, fmt.Errorf("the certificate is valid only from %s to %s", c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339)))
	}
	return nil
}

// PeerID is the ID of the other side of a finished handshake.
func PeerID(cs tls.ConnectionState) string {
	if len(cs.PeerCertificates) == 0 {
		return ""
	}
	return IDOf(cs.PeerCertificates[0].Raw)
}

// VerificationCode is the 6-digit code both screens show. It comes from the
// TLS exporter, so it is equal on both ends only if no one relays the
// connection with their own certificates.
func VerificationCode(cs tls.ConnectionState) (string, error) {
	b, err := cs.ExportKeyingMaterial("EXPORTER-lempar-verification-code", nil, 8)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", binary.BigEndian.Uint64(b)%1_000_000), nil
}

// FormatCode shows "482913" as "482 913".
func FormatCode(code string) string {
	if len(code) != 6 {
		return code
	}
	return code[:3] + " " + code[3:]
}
