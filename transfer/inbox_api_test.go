package transfer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lempar/lempar/internal/errcode"
)

func TestInboxReceiveFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dl")
	in, err := OpenInbox(dir, "localsend:abc")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	data := randBytes(700_000)
	sum := sha256.Sum256(data)
	ctx := context.Background()
	got, err := in.ReceiveFile(ctx, Item{Path: "foto/a.jpg", Kind: KindFile, Size: int64(len(data))}, bytes.NewReader(data), hex.EncodeToString(sum[:]), nil)
	if err != nil || got != "foto/a.jpg" {
		t.Fatalf("%q %v", got, err)
	}
	// Same name again: a (1) copy.
	got, err = in.ReceiveFile(ctx, Item{Path: "foto/a.jpg", Kind: KindFile, Size: int64(len(data))}, bytes.NewReader(data), "", nil)
	if err != nil || got != "foto/a (1).jpg" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []struct {
		name string
		it   Item
		body []byte
		sha  string
		code errcode.Code // Internal: any error will do
	}{
		{"traversal", Item{Path: "../x", Size: 1}, []byte("x"), "", errcode.Internal},
		{"too many bytes", Item{Path: "b.bin", Size: 1}, []byte("xy"), "", errcode.TooManyBytes},
		{"too few", Item{Path: "c.bin", Size: 5}, []byte("xy"), "", errcode.Protocol},
		{"wrong sha", Item{Path: "d.bin", Size: 2}, []byte("xy"), strings.Repeat("0", 64), errcode.DigestMismatch},
	} {
		_, err := in.ReceiveFile(ctx, bad.it, bytes.NewReader(bad.body), bad.sha, nil)
		if err == nil || (bad.code != errcode.Internal && !IsCode(err, bad.code)) {
			t.Errorf("%s: %v", bad.name, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "foto" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "x")); !os.IsNotExist(err) {
		t.Error("traversal wrote outside")
	}
}
