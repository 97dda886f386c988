package transfer

import (
	"encoding/binary"
	"encoding/hex"
	"net"

	"github.com/google/uuid"
)

// Swarm frames (see swarm_doc.go).
const (
	FrameManifest FrameType = 11
	FrameHave     FrameType = 12
	FrameRequest  FrameType = 13
	FramePiece    FrameType = 14
	FrameReject   FrameType = 15
)

const (
	capSwarm = "swarm"
	// pieceHeaderLen is piece (uint32) + offset in the piece (uint32).
	pieceHeaderLen = 8
	// maxPieces bounds a manifest: 32 bytes of hash each, 8 MiB in all.
	maxPieces  = 1 << 18
	maxMembers = 256
	hashLen    = 32
)

// pieceSizeFor is the piece size for a send of total bytes to up to
// targets receivers, 0 when it is too big for a swarm (it then goes
// direct). Small pieces keep the pipeline short: a member passes a piece on
// only once it holds all of it, so a piece reaches the last member of the
// ring n-1 piece-times after its owner (1 MiB pieces made 8 receivers on
// 100 Mbit/s links take 1.63x one receiver's time). So a piece is at most
// 1/ringPieces of the send per other member (30 receivers of 8 MiB on
// 10 Mbit/s links: 32 KiB pieces, where 256 KiB ones made the pipeline
// alone ~6 s), at least minPiece, and at most 256 KiB (one frame) while
// the send has few enough pieces for a manifest.
func pieceSizeFor(total int64, targets int) int64 {
	for _, size := range []int64{256 << 10, 1 << 20, 4 << 20} {
		if total > size*(maxPieces-MaxItems) {
			continue
		}
		if size > 256<<10 || targets < 2 {
			return size
		}
		for size > minPiece && size*ringPieces*int64(targets-1) > total {
			size /= 2
		}
		return size
	}
	return 0
}

const (
	minPiece = 16 << 10
	// ringPieces: a piece is at most this fraction of the send per other
	// member, so the pipeline's depth (n-1 pieces) is at most 1/ringPieces
	// of the send.
	ringPieces = 8
)

// validPieceSize: one of pieceSizeFor's sizes, a power of two from
// minPiece to 4 MiB.
func validPieceSize(s int64) bool { return s >= minPiece && s <= 4<<20 && s&(s-1) == 0 }

// SwarmMember is one receiver of a swarm: its device ID and where the
// sender reached it.
type SwarmMember struct {
	ID   string `json:"id"`
	Addr string `json:"addr"`
}

// ManifestFile is one accepted file of the offer with its whole digest.
type ManifestFile struct {
	Item   int    `json:"item"`
	Size   int64  `json:"size"`
	Digest string `json:"digest"`
}

// Manifest binds every piece of a swarm to its hash.
type Manifest struct {
	Swarm     string         `json:"swarm"`
	PieceSize int64          `json:"piece_size"`
	You       int            `json:"you"`
	Members   []SwarmMember  `json:"members"`
	Files     []ManifestFile `json:"files"`
	Hashes    []byte         `json:"hashes"` // 32 bytes per piece (base64 in JSON)

	pieces []pieceRef
}

// pieceRef says where a piece lies: file (index into Files), offset, length.
type pieceRef struct {
	file int
	off  int64
	n    int
}

// layout cuts files into pieces; false if there would be too many.
func layout(files []ManifestFile, size int64) ([]pieceRef, bool) {
	var out []pieceRef
	for fi, f := range files {
		for off := int64(0); off < f.Size || (off == 0 && f.Size == 0); off += size {
			if f.Size == 0 {
				break // empty files need no piece
			}
			out = append(out, pieceRef{file: fi, off: off, n: int(min(size, f.Size-off))})
			if len(out) > maxPieces {
				return nil, false
			}
		}
	}
	return out, true
}

func (m *Manifest) hash(k int) []byte { return m.Hashes[k*hashLen : (k+1)*hashLen] }

// owner is the member the sender pushes piece k to.
func (m *Manifest) owner(k int) int { return k % len(m.Members) }

// DecodeManifest parses and checks a manifest against the offer it follows.
func DecodeManifest(p []byte, o *Offer) (*Manifest, error) {
	var m Manifest
	if err := decodeJSON(p, &m, "manifest"); err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(m.Swarm); err != nil || m.Swarm != o.Swarm {
		return nil, protocolError("manifest for swarm %q, offer named %q", m.Swarm, o.Swarm)
	}
	if !validPieceSize(m.PieceSize) {
		return nil, protocolError("manifest piece size %d", m.PieceSize)
	}
	if len(m.Members) == 0 || len(m.Members) > maxMembers || m.You < 0 || m.You >= len(m.Members) {
		return nil, protocolError("manifest with %d members, you=%d", len(m.Members), m.You)
	}
	seen := map[string]bool{}
	for _, mb := range m.Members {
		if b, err := hex.DecodeString(mb.ID); err != nil || len(b) != 32 || seen[mb.ID] {
			return nil, protocolError("manifest member ID %q", mb.ID)
		}
		seen[mb.ID] = true
		if _, _, err := net.SplitHostPort(mb.Addr); err != nil {
			return nil, protocolError("manifest member address %q", mb.Addr)
		}
	}
	// The files are exactly the offer's files, in order, with their sizes.
	next := 0
	for i, it := range o.Items {
		if it.Kind != KindFile {
			continue
		}
		if next >= len(m.Files) || m.Files[next].Item != i || m.Files[next].Size != it.Size {
			return nil, protocolError("manifest files do not match the offer at item %d", i)
		}
		if b, err := hex.DecodeString(m.Files[next].Digest); err != nil || len(b) != 32 {
			return nil, protocolError("manifest digest of item %d", i)
		}
		next++
	}
	if next != len(m.Files) {
		return nil, protocolError("manifest has %d files, the offer %d", len(m.Files), next)
	}
	pieces, ok := layout(m.Files, m.PieceSize)
	if !ok || len(m.Hashes) != hashLen*len(pieces) {
		return nil, protocolError("manifest has %d bytes of hashes for %d pieces", len(m.Hashes), len(pieces))
	}
	m.pieces = pieces
	return &m, nil
}

// HaveMsg announces pieces held: the whole bitmap, or pieces added.
type HaveMsg struct {
	Bits []byte `json:"bits,omitempty"`
	Add  []int  `json:"add,omitempty"`
}

// decodeHave parses a have frame for a swarm of n pieces.
func decodeHave(p []byte, n int) (*HaveMsg, error) {
	var h HaveMsg
	if err := decodeJSON(p, &h, "have"); err != nil {
		return nil, err
	}
	if h.Bits != nil && len(h.Bits) != (n+7)/8 {
		return nil, protocolError("have bitmap of %d bytes for %d pieces", len(h.Bits), n)
	}
	if len(h.Add) > n {
		return nil, protocolError("have adds %d pieces of %d", len(h.Add), n)
	}
	for _, k := range h.Add {
		if k < 0 || k >= n {
			return nil, protocolError("have piece %d of %d", k, n)
		}
	}
	return &h, nil
}

// PieceRequest asks for one piece; PieceReject refuses one.
type PieceRequest struct {
	Piece int `json:"piece"`
}

type PieceReject struct {
	Piece int    `json:"piece"`
	Code  string `json:"code,omitempty"`
}

// parsePiece splits a piece frame's payload.
func parsePiece(p []byte) (piece, off uint32, data []byte, err error) {
	if len(p) < pieceHeaderLen {
		return 0, 0, nil, protocolError("piece frame of %d bytes is shorter than its header", len(p))
	}
	return binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:]), p[pieceHeaderLen:], nil
}

// bitmap is a set of pieces.
type bitmap []byte

func newBitmap(n int) bitmap    { return make(bitmap, (n+7)/8) }
func (b bitmap) has(k int) bool { return b[k>>3]&(1<<(k&7)) != 0 }
func (b bitmap) set(k int)      { b[k>>3] |= 1 << (k & 7) }
func (b bitmap) apply(h *HaveMsg, n int) {
	if h.Bits != nil {
		copy(b, h.Bits)
		if n%8 != 0 { // bits past the last piece mean nothing
			b[len(b)-1] &= byte(1<<(n%8)) - 1
		}
	}
	for _, k := range h.Add {
		b.set(k)
	}
}

func (b bitmap) count() int {
	c := 0
	for _, x := range b {
		for ; x != 0; x &= x - 1 {
			c++
		}
	}
	return c
}
