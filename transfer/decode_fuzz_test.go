package transfer

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/lempar/lempar/savedir"
)

// FuzzReadFrame: any bytes from the network give a frame within its type's
// bound or an error; never a panic, never a payload over the limit.
func FuzzReadFrame(f *testing.F) {
	var b bytes.Buffer
	fw := newFrameWriter(&b, nil, 0)
	_ = fw.control(FrameHello, helloFor(Hello{Name: "Sari"}))
	_ = fw.data(3, 1<<20, []byte("chunk"))
	_ = fw.flush()
	f.Add(b.Bytes())
	f.Add([]byte{byte(FrameOffer), 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{200, 0, 0, 0, 1, 0})
	f.Add([]byte{byte(FrameData), 0, 0, 0, 3, 1, 2, 3})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		var buf []byte
		for i := 0; i < 64; i++ {
			ft, p, err := readFrame(r, &buf)
			if err != nil {
				return
			}
			if lim := maxPayload(ft); lim == 0 || len(p) > lim {
				t.Fatalf("frame type %d with %d bytes accepted", ft, len(p))
			}
			if ft == FrameData {
				if _, _, d, err := parseData(p); err == nil && len(d) > ChunkSize {
					t.Fatalf("data chunk of %d bytes", len(d))
				}
			}
		}
	})
}

// FuzzDecodeOffer: an accepted offer only names safe relative paths, sizes
// are sane and text items are bounded.
func FuzzDecodeOffer(f *testing.F) {
	good, _ := json.Marshal(Offer{Session: "0b7c3c5e-6f0e-4a5e-9d8c-2f1a3b4c5d6e", Items: []Item{
		{Path: "Foto/pantai.jpg", Kind: KindFile, Size: 10, Mode: 0o644, MTime: 1},
		{Path: "Foto", Kind: KindDir},
		{Kind: KindText, Size: 4, Text: "halo"},
	}})
	f.Add(good)
	f.Add([]byte(`{"session":"0b7c3c5e-6f0e-4a5e-9d8c-2f1a3b4c5d6e","items":[{"path":"../x","kind":"file","size":1}]}`))
	f.Add([]byte(`{"session":"0b7c3c5e-6f0e-4a5e-9d8c-2f1a3b4c5d6e","items":[{"path":"a","kind":"file","size":-1}]}`))
	f.Add([]byte(`{"session":"x","items":[]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, in []byte) {
		o, err := DecodeOffer(in)
		if err != nil {
			return
		}
		var total int64
		for i, it := range o.Items {
			switch it.Kind {
			case KindText:
				if len(it.Text) > MaxTextBytes || it.Path != "" {
					t.Fatalf("bad text item accepted: %+v", it)
				}
			case KindFile, KindDir:
				// The offered name may be one only the sender's system
				// allows; the path it is saved under is safe everywhere.
				if save := o.SavePath(i); !filepath.IsLocal(filepath.FromSlash(save)) || savedir.ValidateRelPath(save) != nil {
					t.Fatalf("%q is saved under the unsafe path %q", it.Path, save)
				}
				if !filepath.IsLocal(filepath.FromSlash(it.Path)) {
					t.Fatalf("non-local path accepted: %q", it.Path)
				}
				if it.Size < 0 {
					t.Fatalf("negative size accepted")
				}
				total += it.Size
			default:
				t.Fatalf("unknown kind accepted: %q", it.Kind)
			}
		}
		if total > MaxTotalBytes || len(o.Items) > MaxItems {
			t.Fatal("bounds not enforced")
		}
	})
}
