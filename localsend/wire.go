package localsend

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Protocol constants (LocalSend protocol v2, README of localsend/protocol).
const (
	DefaultPort    = 53317
	MulticastAddr4 = "224.0.0.167"
	MulticastAddr6 = "ff12::fd3a:e420"
	// Version is the protocol version we announce.
	Version = "2.2"

	apiV2 = "/api/localsend/v2/"
	apiV1 = "/api/localsend/v1/"
)

// Limits on what the network may hand us. Everything from a LocalSend peer
// is decoded into bounded, typed structures and checked before use.
const (
	maxInfoJSON    = 64 << 10 // announce, register, info
	maxPrepareJSON = 8 << 20  // prepare-upload: ~36,000 files as LocalSend apps describe them (see offerBudget)
	maxFiles       = 100_000
	maxAliasBytes  = 63 // the same bound as a Lempar device name
	maxFieldBytes  = 128
	maxIDBytes     = 256 // file IDs are opaque strings chosen by the sender
	// maxText is the longest message we take: LocalSend sends a text of
	// any length as one preview, and 1 MiB covers what people paste. It is
	// read inside the prepare-upload body, bounded and budgeted (guard.go)
	// before anyone is asked.
	maxText    = 1 << 20
	maxPreview = maxText
)

// DeviceInfo is how LocalSend devices describe themselves: in multicast
// announcements, in register bodies and answers, in /info, and as the
// "info" of a prepare-upload.
type DeviceInfo struct {
	Alias       string  `json:"alias"`
	Version     string  `json:"version,omitempty"`
	DeviceModel *string `json:"deviceModel"`
	DeviceType  *string `json:"deviceType"`
	Fingerprint string  `json:"fingerprint"`
	Port        int     `json:"port,omitempty"`
	Protocol    string  `json:"protocol,omitempty"`
	Download    bool    `json:"download"`
	// Announce is set on multicast messages: true asks everyone to answer,
	// false is such an answer. v1 peers call it "announcement".
	Announce     *bool `json:"announce,omitempty"`
	Announcement *bool `json:"announcement,omitempty"`
}

// FileMeta describes one file of a prepare-upload.
type FileMeta struct {
	ID       string  `json:"id"`
	FileName string  `json:"fileName"`
	Size     int64   `json:"size"`
	FileType string  `json:"fileType"`
	SHA256   *string `json:"sha256,omitempty"`
	Preview  *string `json:"preview,omitempty"`
	Metadata *struct {
		Modified *string `json:"modified,omitempty"`
		Accessed *string `json:"accessed,omitempty"`
	} `json:"metadata,omitempty"`
}

// PrepareRequest is the body of prepare-upload (v2) and send-request (v1).
type PrepareRequest struct {
	Info  DeviceInfo          `json:"info"`
	Files map[string]FileMeta `json:"files"`
}

// PrepareResponse answers an accepted prepare-upload.
type PrepareResponse struct {
	SessionID string            `json:"sessionId"`
	Files     map[string]string `json:"files"` // file ID → token
}

func decodeBytes(b []byte, v any) error {
	if !utf8.Valid(b) {
		return errors.New("body is not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// check validates a device description from the network and cleans its
// labels. needPort is false for /info answers, which may omit the port.
func (d *DeviceInfo) check(needPort bool) error {
	d.Alias = cleanLabel(d.Alias, maxAliasBytes)
	if d.Alias == "" {
		return errors.New("alias is empty")
	}
	if !validFingerprint(d.Fingerprint) {
		return errors.New("fingerprint is missing or malformed")
	}
	if d.Port < 0 || d.Port > 65535 || (needPort && d.Port == 0) {
		return fmt.Errorf("port %d is out of range", d.Port)
	}
	switch d.Protocol {
	case "http", "https":
	case "":
		d.Protocol = "https" // v1 and some v2 peers leave it out; HTTPS is their default
	default:
		return fmt.Errorf("protocol %q is neither http nor https", d.Protocol)
	}
	if len(d.Version) > 16 {
		return errors.New("version is too long")
	}
	for _, p := range []**string{&d.DeviceModel, &d.DeviceType} {
		if *p != nil {
			s := cleanLabel(**p, maxFieldBytes)
			*p = &s
		}
	}
	return nil
}

// announcing reports whether a multicast message asks for an answer.
func (d *DeviceInfo) announcing() bool {
	if d.Announce != nil {
		return *d.Announce
	}
	return d.Announcement != nil && *d.Announcement
}

// validFingerprint accepts what LocalSend sends: a certificate hash in hex
// (HTTPS) or a random token (HTTP). It must be printable ASCII without
// spaces, so it can be shown and used in an ID.
func validFingerprint(f string) bool {
	if f == "" || len(f) > maxFieldBytes {
		return false
	}
	for i := 0; i < len(f); i++ {
		if f[i] <= ' ' || f[i] >= 0x7f {
			return false
		}
	}
	return true
}

// cleanLabel drops control and format characters and cuts s to max bytes on
// a character boundary: aliases and models end up on screen.
func cleanLabel(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	for len(s) > max {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return strings.TrimSpace(s)
}

func str(s string) *string { return &s }
