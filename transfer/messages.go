package transfer

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/savedir"
)

// ProtocolVersion is spoken by this build. MinProtocolVersion is the oldest
// peer version it still talks to; outside the range a peer is refused with
// a polite "update Lempar" error rather than a garbled session.
const (
	ProtocolVersion    = 1
	MinProtocolVersion = 1
)

// Hello is sent by both sides right after the TLS handshake. The device ID
// is not in it: it is the certificate hash, which can't be claimed falsely.
type Hello struct {
	Proto    int    `json:"proto"`
	MinProto int    `json:"min_proto"`
	Name     string `json:"name"`
	OS       string `json:"os"`
	App      string `json:"app"`
	// Port is where this device receives (0 if it doesn't), so a device
	// that sent to us can be sent to later at the right address.
	Port int `json:"port,omitempty"`
	// Probe is set by a client that only wants the hello (add by address,
	// reachability checks); the server answers and closes.
	Probe bool `json:"probe,omitempty"`
	// Caps lists optional features this build speaks ("swarm").
	Caps []string `json:"caps,omitempty"`
	// Swarm is set by a member dialling another member of that swarm
	// (see swarm_doc.go): the connection carries pieces, not an offer.
	Swarm string `json:"swarm,omitempty"`
}

// Kind says what an offered item is.
type Kind string

const (
	KindFile Kind = "file"
	KindDir  Kind = "dir"
	KindText Kind = "text"
)

// MaxTextBytes bounds a text item, carried inline in the offer so the
// receiver can preview it before accepting.
const MaxTextBytes = 256 << 10

// MaxItems bounds the number of items in one offer.
const MaxItems = 100_000

// MaxTotalBytes is the largest offer accepted: 16 TiB, past any real disk,
// so a bogus size can't make free-space arithmetic overflow.
const MaxTotalBytes = 16 << 40

// Item is one offered file, folder or text.
type Item struct {
	Path  string `json:"path"` // slash-separated, relative; "" for text
	Kind  Kind   `json:"kind"`
	Size  int64  `json:"size"`
	Mode  uint32 `json:"mode,omitempty"`  // permission bits; only 0o111 is kept
	MTime int64  `json:"mtime,omitempty"` // Unix nanoseconds
	Text  string `json:"text,omitempty"`
}

// Offer proposes a session.
type Offer struct {
	Session string `json:"session"`
	Items   []Item `json:"items"`
	// Swarm names the swarm this offer joins: a manifest follows the
	// decision instead of data (swarm_doc.go).
	Swarm string `json:"swarm,omitempty"`
	// save holds, per item, the path it is saved under when DecodeOffer
	// mapped a name only the sender's system allows (savedir.Names); Items
	// keep the names the sender gave, which the person is shown.
	save []string
}

// SavePath is the relative path item i is saved under: its offered path, or
// the safe name DecodeOffer gave it.
func (o *Offer) SavePath(i int) string {
	if i < len(o.save) {
		return o.save[i]
	}
	return o.Items[i].Path
}

// ItemDecision is the receiver's answer for one item.
type ItemDecision struct {
	Accept bool `json:"accept"`
	// Offset and PrefixHash propose a resume: the receiver already holds
	// Offset bytes whose BLAKE3 is PrefixHash (hex). The sender streams from
	// Offset if its own prefix matches, else from 0.
	Offset     int64  `json:"offset,omitempty"`
	PrefixHash string `json:"prefix_hash,omitempty"`
}

// Decision answers an offer; Items is parallel to Offer.Items.
type Decision struct {
	Accept bool           `json:"accept"`
	Reason string         `json:"reason,omitempty"` // code when not accepted
	Items  []ItemDecision `json:"items,omitempty"`
}

// FileDone ends an item's data with the digest of the whole file.
type FileDone struct {
	Item   int    `json:"item"`
	Digest string `json:"digest"` // BLAKE3-256, hex
}

// Ack reports the receiver's verdict on one item.
type Ack struct {
	Item    int    `json:"item"`
	OK      bool   `json:"ok"`
	SavedAs string `json:"saved_as,omitempty"`
	Code    string `json:"code,omitempty"`
}

// Cancel stops the session; Reason is a code.
type Cancel struct {
	Reason string `json:"reason,omitempty"`
}

// ErrorMsg reports a fatal error to the other side.
type ErrorMsg struct {
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
}

// Bye is the sender's last frame after every ack arrived.
type Bye struct{}

// DecodeOffer parses and validates an offer from the network. Every rule
// that protects the receiver's disk is checked here, before a person sees it.
func DecodeOffer(p []byte) (*Offer, error) {
	var o Offer
	if err := json.Unmarshal(p, &o); err != nil {
		return nil, protocolError("offer is not valid JSON: %v", err)
	}
	if _, err := uuid.Parse(o.Session); err != nil {
		return nil, protocolError("offer session %q is not a UUID", o.Session)
	}
	if _, err := uuid.Parse(o.Swarm); o.Swarm != "" && err != nil {
		return nil, protocolError("offer swarm %q is not a UUID", o.Swarm)
	}
	if len(o.Items) == 0 {
		return nil, newErr(errcode.EmptyOffer, nil)
	}
	if len(o.Items) > MaxItems {
		return nil, newErr(errcode.OfferTooLarge, nil, "Items", len(o.Items))
	}
	var total int64
	seen := make(map[string]bool, len(o.Items))
	var names savedir.Names
	o.save = make([]string, len(o.Items))
	for i := range o.Items {
		it := &o.Items[i]
		switch it.Kind {
		case KindText:
			if it.Path != "" || it.Size != int64(len(it.Text)) || len(it.Text) > MaxTextBytes {
				return nil, protocolError("text item %d is malformed", i)
			}
			continue
		case KindFile, KindDir:
		default:
			return nil, protocolError("item %d has unknown kind %q", i, it.Kind)
		}
		if it.Text != "" {
			return nil, protocolError("item %d carries text but is a %s", i, it.Kind)
		}
		if seen[it.Path] {
			return nil, protocolError("item %q is offered twice", it.Path)
		}
		seen[it.Path] = true
		// A name only another system allows ("a:b", "con.txt", "A" beside
		// "a") gets a safe one; traversal, absolute paths, control and
		// bidi characters are refused.
		saveAs := names.Save
		if it.Kind == KindDir {
			saveAs = names.Dir
		}
		save, err := saveAs(it.Path)
		if err != nil {
			return nil, err
		}
		o.save[i] = save
		if it.Size < 0 || (it.Kind == KindDir && it.Size != 0) {
			return nil, protocolError("item %q has size %d", it.Path, it.Size)
		}
		total += it.Size
		if it.Size > MaxTotalBytes || total > MaxTotalBytes {
			return nil, newErr(errcode.OfferTooLarge, nil, "Items", len(o.Items))
		}
	}
	return &o, nil
}

// DecodeDecision parses a decision and checks it matches the offer.
func DecodeDecision(p []byte, o *Offer) (*Decision, error) {
	var d Decision
	if err := json.Unmarshal(p, &d); err != nil {
		return nil, protocolError("decision is not valid JSON: %v", err)
	}
	if !d.Accept {
		return &d, nil
	}
	if len(d.Items) != len(o.Items) {
		return nil, protocolError("decision has %d items for an offer of %d", len(d.Items), len(o.Items))
	}
	for i, it := range d.Items {
		if it.Offset < 0 || it.Offset > o.Items[i].Size {
			return nil, protocolError("decision offset %d for item %d is out of range", it.Offset, i)
		}
		if it.Offset > 0 && len(it.PrefixHash) != 64 {
			return nil, protocolError("decision for item %d has a resume offset but no prefix hash", i)
		}
	}
	return &d, nil
}

func decodeJSON(p []byte, v any, what string) error {
	if err := json.Unmarshal(p, v); err != nil {
		return protocolError("%s is not valid JSON: %v", what, err)
	}
	return nil
}

// Total is the number of file bytes in the offer.
func (o *Offer) Total() int64 {
	var n int64
	for _, it := range o.Items {
		if it.Kind == KindFile {
			n += it.Size
		}
	}
	return n
}

// Count returns how many files, folders and texts the offer holds.
func (o *Offer) Count() (files, dirs, texts int) {
	for _, it := range o.Items {
		switch it.Kind {
		case KindFile:
			files++
		case KindDir:
			dirs++
		case KindText:
			texts++
		}
	}
	return
}

func (h Hello) String() string { return fmt.Sprintf("%s (%s, %s)", h.Name, h.OS, h.App) }
