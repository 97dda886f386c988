package localsend

import (
	"net/netip"
	"strings"
	"time"
)

// IDPrefix starts the device ID of every LocalSend peer, so it can never be
// taken for (or collide with) a Lempar device ID.
const IDPrefix = "localsend:"

// Device is a LocalSend app seen on the network.
type Device struct {
	ID          string // IDPrefix + fingerprint (hex fingerprints lowercased)
	Fingerprint string // as the device announced it
	Alias       string
	Model       string // "Samsung", "Windows", …; may be empty
	Type        string // mobile, desktop, web, headless, server; may be empty
	Version     string
	Addr        netip.AddrPort // where its HTTP(S) server listens
	Protocol    string         // "https" or "http"
	Seen        time.Time
	// Proven is true when the device showed, over HTTPS at Addr, a
	// certificate hashing to Fingerprint. Such an entry keeps its address
	// and protocol against announcements and registers that prove nothing
	// (anyone can multicast a phone's fingerprint): only another proof
	// moves it, so a forged "http at my address" can't divert a send.
	Proven bool
}

// OS guesses a GOOS-style name for icons ("android", "ios", "windows",
// "darwin", "linux"), or "".
func (d Device) OS() string { return guessOS(d.Type, d.Model) }

// PeerID is the Lempar-side ID of a LocalSend fingerprint. A certificate
// hash is lowercased so that "ABC…" and "abc…" are the same device; a
// random HTTP-mode token is kept as it is.
func PeerID(fingerprint string) string {
	if isHex64(fingerprint) {
		return IDPrefix + strings.ToLower(fingerprint)
	}
	return IDPrefix + fingerprint
}

// IsPeerID reports whether id names a LocalSend device.
func IsPeerID(id string) bool { return strings.HasPrefix(id, IDPrefix) }

// ourFingerprint is how LocalSend writes a certificate hash: uppercase hex
// of the SHA-256 of the DER certificate, which is our device ID.
func ourFingerprint(id string) string { return strings.ToUpper(id) }

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func sameFingerprint(a, b string) bool {
	if isHex64(a) && isHex64(b) {
		return strings.EqualFold(a, b)
	}
	return a == b
}

func guessOS(typ, model string) string {
	m := strings.ToLower(model)
	switch {
	case strings.Contains(m, "iphone") || strings.Contains(m, "ipad") || strings.Contains(m, "ios"):
		return "ios"
	case strings.Contains(m, "windows"):
		return "windows"
	case strings.Contains(m, "mac"):
		return "darwin"
	case strings.Contains(m, "linux"):
		return "linux"
	case strings.Contains(m, "android"):
		return "android"
	case typ == "mobile":
		return "android" // most LocalSend phones that don't say otherwise
	}
	return ""
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// deviceFrom turns a checked DeviceInfo heard from ip into a Device.
func deviceFrom(d *DeviceInfo, ip netip.Addr, now time.Time) Device {
	return Device{
		ID: PeerID(d.Fingerprint), Fingerprint: d.Fingerprint, Alias: d.Alias,
		Model: deref(d.DeviceModel), Type: deref(d.DeviceType), Version: d.Version,
		Addr: netip.AddrPortFrom(ip.Unmap(), uint16(d.Port)), Protocol: d.Protocol, Seen: now,
	}
}
