package localsend

import (
	"testing"

	"github.com/lempar/lempar/savedir"
	"github.com/lempar/lempar/transfer"
)

// FuzzPrepare: no input from the network may crash the checks, and what
// they accept must be safe for the inbox.
func FuzzPrepare(f *testing.F) {
	f.Add([]byte(`{"info":{"alias":"a","fingerprint":"f","port":1},"files":{"1":{"id":"1","fileName":"x/y.txt","size":3,"fileType":"text/plain","preview":"abc"}}}`))
	f.Add([]byte(`{"info":{"alias":"a","fingerprint":"f"},"files":{"1":{"id":"1","fileName":"../x","size":1}}}`))
	f.Add([]byte(`{"alias":"x","fingerprint":"y","port":53317,"announce":true}`))
	f.Add([]byte(`{"info":{"alias":"Old","deviceType":"mobile","fingerprint":"t"},"files":{"m":{"id":"m","fileName":"m.txt","size":2,"fileType":"text","preview":"hi"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		// The server's own path: one file entry at a time.
		if _, items, text, err := decodePrepare(b); err == nil {
			for _, it := range items {
				if it.item.Kind == transfer.KindFile && savedir.ValidateRelPath(it.save) != nil {
					t.Fatalf("decodePrepare accepted %q, to be saved as %q", it.item.Path, it.save)
				}
				if text && (it.item.Kind != transfer.KindText || len(it.item.Text) > maxText) {
					t.Fatalf("a message of %d bytes, kind %s", len(it.item.Text), it.item.Kind)
				}
			}
		}
		var req PrepareRequest
		if decodeBytes(b, &req) == nil {
			items, _, err := checkPrepare(&req)
			if err == nil {
				for _, it := range items {
					// The sender's name may be one this system can't use
					// ("a*b"); what is written is the safe name it maps to.
					if it.item.Kind == transfer.KindFile {
						if err := savedir.ValidateRelPath(it.save); err != nil {
							t.Fatalf("accepted %q, to be saved as %q: %v", it.item.Path, it.save, err)
						}
					}
					if it.item.Size < 0 {
						t.Fatalf("negative size accepted")
					}
				}
			}
		}
		var d DeviceInfo
		if decodeBytes(b, &d) == nil && d.check(true) == nil {
			if d.Alias == "" || !validFingerprint(d.Fingerprint) || d.Port < 1 || d.Port > 65535 {
				t.Fatalf("accepted %+v", d)
			}
		}
	})
}
