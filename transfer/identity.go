package transfer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lempar/lempar/internal/errcode"
)

// Identity is this device's long-lived TLS certificate. Its ID, the SHA-256
// of the DER certificate, is what discovery announces and what peers pin.
type Identity struct {
	Cert tls.Certificate
	ID   string // 64 lowercase hex digits
}

const (
	certFile = "identity-cert.pem"
	keyFile  = "identity-key.pem"
)

// LoadOrCreateIdentity reads the identity kept in dir, creating it (0600) on
// first start. ECDSA P-256 rather than Ed25519 because LocalSend peers and
// older TLS stacks on phones accept it everywhere.
func LoadOrCreateIdentity(dir string) (*Identity, error) {
	certPath, keyPath := filepath.Join(dir, certFile), filepath.Join(dir, keyFile)
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err == nil {
		return identityFrom(cert), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, newErr(errcode.IdentityCorrupt, err, "Dir", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, newErr(errcode.IdentityWrite, err, "Dir", dir)
	}
	certPEM, keyPEM, err := newSelfSigned()
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return nil, newErr(errcode.IdentityWrite, err, "Dir", dir)
	}
	if err := writeFileAtomic(certPath, certPEM, 0o600); err != nil {
		return nil, newErr(errcode.IdentityWrite, err, "Dir", dir)
	}
	cert, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return identityFrom(cert), nil
}

// NewEphemeralIdentity makes an identity that lives only in memory, for
// tests and benchmarks.
func NewEphemeralIdentity() (*Identity, error) {
	certPEM, keyPEM, err := newSelfSigned()
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return identityFrom(cert), nil
}

func identityFrom(cert tls.Certificate) *Identity {
	return &Identity{Cert: cert, ID: IDOf(cert.Certificate[0])}
}

// IDOf is the device ID for a DER certificate.
func IDOf(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// ShortID is the prefix people see in lists ("a3f9c21e").
func ShortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Fingerprint groups an ID for reading aloud: "a3f9 c21e 07b4 …" (first 16
// hex digits, enough to tell devices apart by eye).
func Fingerprint(id string) string {
	if len(id) > 16 {
		id = id[:16]
	}
	var b strings.Builder
	for i := 0; i < len(id); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(id[i:min(i+4, len(id))])
	}
	return b.String()
}

func newSelfSigned() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Lempar device"},
		NotBefore:    time.Now().Add(-24 * time.Hour),
		// The certificate is pinned by hash, never checked against a CA, so
		// expiry would only break pairings; make it effectively permanent.
		NotAfter:    time.Now().AddDate(100, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// writeFileAtomic writes via a temp file, fsync and rename so a crash leaves
// either the old file or the new one, never half of each.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	return nil
}
