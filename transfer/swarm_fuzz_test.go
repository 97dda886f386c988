package transfer

import (
	"encoding/json"
	"strings"
	"testing"
)

// fuzzSwarmOffer is the offer the fuzzed manifests follow.
var fuzzSwarmOffer = &Offer{Session: "0b7c3c5e-6f0e-4a5e-9d8c-2f1a3b4c5d6e", Swarm: "4d2a6f0e-1b7c-4c3e-9a8d-5e6f7a8b9c0d", Items: []Item{
	{Path: "Kelas", Kind: KindDir},
	{Path: "Kelas/video.mp4", Kind: KindFile, Size: 3<<20 + 5},
	{Path: "Kelas/kosong.txt", Kind: KindFile},
	{Kind: KindText, Size: 4, Text: "halo"},
}}

func fuzzManifestSeed() []byte {
	m := Manifest{Swarm: fuzzSwarmOffer.Swarm, PieceSize: 1 << 20, You: 1,
		Members: []SwarmMember{{ID: strings.Repeat("ab", 32), Addr: "192.168.1.10:53318"}, {ID: strings.Repeat("cd", 32), Addr: "[fe80::1%eth0]:53318"}},
		Files:   []ManifestFile{{Item: 1, Size: 3<<20 + 5, Digest: strings.Repeat("0f", 32)}, {Item: 2, Digest: strings.Repeat("af", 32)}},
		Hashes:  make([]byte, 4*hashLen)}
	b, _ := json.Marshal(m)
	return b
}

// FuzzDecodeManifest: an accepted manifest matches its offer, and every
// piece lies inside its file with a hash of its own.
func FuzzDecodeManifest(f *testing.F) {
	if _, err := DecodeManifest(fuzzManifestSeed(), fuzzSwarmOffer); err != nil {
		f.Fatalf("the good seed is refused: %v", err)
	}
	f.Add(fuzzManifestSeed())
	f.Add([]byte(`{"swarm":"4d2a6f0e-1b7c-4c3e-9a8d-5e6f7a8b9c0d","piece_size":1048576,"you":0,"members":[],"files":[],"hashes":""}`))
	f.Add([]byte(`{"piece_size":-1,"you":-1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := DecodeManifest(in, fuzzSwarmOffer)
		if err != nil {
			return
		}
		if len(m.Members) == 0 || len(m.Members) > maxMembers || m.You < 0 || m.You >= len(m.Members) {
			t.Fatalf("members %d, you %d accepted", len(m.Members), m.You)
		}
		if len(m.pieces) > maxPieces || len(m.Hashes) != hashLen*len(m.pieces) {
			t.Fatalf("%d pieces with %d bytes of hashes accepted", len(m.pieces), len(m.Hashes))
		}
		for k, p := range m.pieces {
			f := m.Files[p.file]
			if p.n <= 0 || int64(p.n) > m.PieceSize || p.off < 0 || p.off+int64(p.n) > f.Size {
				t.Fatalf("piece %d (%+v) outside file %+v", k, p, f)
			}
			if it := fuzzSwarmOffer.Items[f.Item]; it.Kind != KindFile || it.Size != f.Size {
				t.Fatalf("manifest file %+v is not the offer's", f)
			}
			_ = m.hash(k)
			_ = m.owner(k)
		}
	})
}

// FuzzDecodeHave: an accepted have frame names only pieces that exist, and
// applying it never reaches past the bitmap.
func FuzzDecodeHave(f *testing.F) {
	f.Add([]byte(`{"bits":"/w=="}`), 9)
	f.Add([]byte(`{"add":[0,3,8]}`), 9)
	f.Add([]byte(`{"add":[-1]}`), 4)
	f.Add([]byte(`{"bits":"AAAA","add":[1]}`), 17)
	f.Fuzz(func(t *testing.T, in []byte, n int) {
		if n <= 0 || n > maxPieces {
			return
		}
		h, err := decodeHave(in, n)
		if err != nil {
			return
		}
		b := newBitmap(n)
		b.apply(h, n)
		if c := b.count(); c > n {
			t.Fatalf("%d pieces held of %d", c, n)
		}
		for _, k := range h.Add {
			if !b.has(k) {
				t.Fatalf("piece %d added but not held", k)
			}
		}
	})
}
