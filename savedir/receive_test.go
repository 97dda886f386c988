package savedir

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lempar/lempar/internal/errcode"
)

func TestReceiveFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dl")
	in, err := Open(dir, "localsend:abc")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	data := make([]byte, 700_000)
	rand.Read(data)
	sum := sha256.Sum256(data)
	ctx := context.Background()
	got, err := in.ReceiveFile(ctx, File{Path: "foto/a.jpg", Size: int64(len(data))}, bytes.NewReader(data), hex.EncodeToString(sum[:]), nil)
	if err != nil || got != "foto/a.jpg" {
		t.Fatalf("%q %v", got, err)
	}
	// Same name again: a (1) copy.
	got, err = in.ReceiveFile(ctx, File{Path: "foto/a.jpg", Size: int64(len(data))}, bytes.NewReader(data), "", nil)
	if err != nil || got != "foto/a (1).jpg" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []struct {
		name string
		it   File
		body []byte
		sha  string
		code errcode.Code // Internal: any error will do
	}{
		{"traversal", File{Path: "../x", Size: 1}, []byte("x"), "", errcode.Internal},
		{"too many bytes", File{Path: "b.bin", Size: 1}, []byte("xy"), "", errcode.TooManyBytes},
		{"too few", File{Path: "c.bin", Size: 5}, []byte("xy"), "", errcode.Protocol},
		{"wrong sha", File{Path: "d.bin", Size: 2}, []byte("xy"), strings.Repeat("0", 64), errcode.DigestMismatch},
	} {
		_, err := in.ReceiveFile(ctx, bad.it, bytes.NewReader(bad.body), bad.sha, nil)
		if err == nil || (bad.code != errcode.Internal && !isCode(err, bad.code)) {
			t.Errorf("%s: %v", bad.name, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "foto" && e.Name() != PartialDir {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if left, _ := ListPartials(dir); len(left) != 0 {
		t.Errorf("partials left behind: %+v", left)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "x")); !os.IsNotExist(err) {
		t.Error("traversal wrote outside")
	}
}

func isCode(err error, code errcode.Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
