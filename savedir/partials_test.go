package savedir

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A receive that stops half way leaves its data out of sight, in
// PartialDir, where ListPartials finds it; once placed, nothing is left.
func TestPartialsWaitOutOfSight(t *testing.T) {
	dir := t.TempDir()
	ib, err := Open(dir, "peer")
	if err != nil {
		t.Fatal(err)
	}
	defer ib.Close()
	partial := PartialName("peer", "Liburan/pantai.jpg", 10, 0)
	f, err := ib.OpenPartial(partial, 0, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	f.Close()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != PartialDir || !ents[0].IsDir() {
		t.Fatalf("download folder holds %v, want only the hidden %s", ents, PartialDir)
	}
	parts, err := ListPartials(dir)
	if err != nil || len(parts) != 1 {
		t.Fatalf("ListPartials = %+v, %v", parts, err)
	}
	p := parts[0]
	if p.Name != "pantai.jpg" || p.Size != 4 || filepath.Join(dir, filepath.FromSlash(partial)) != p.Path() {
		t.Fatalf("partial listed as %+v", p)
	}

	// Completing it is one rename into its own folder.
	if err := ib.Mkdir("Liburan"); err != nil {
		t.Fatal(err)
	}
	final, err := ib.Place(partial, "Liburan/pantai.jpg", 0)
	if err != nil || final != "Liburan/pantai.jpg" {
		t.Fatalf("Place = %q, %v", final, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "Liburan", "pantai.jpg")); string(b) != "half" {
		t.Fatalf("placed file holds %q", b)
	}
	if parts, _ := ListPartials(dir); len(parts) != 0 {
		t.Fatalf("still listed: %+v", parts)
	}
}

func TestPeersCannotNamePartialDir(t *testing.T) {
	for _, p := range []string{PartialDir + "/x.txt", "a/" + PartialDir + "/x", PartialDir} {
		if err := ValidateRelPath(p); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
	dir := t.TempDir()
	ib, _ := Open(dir, "peer")
	defer ib.Close()
	if _, err := ib.ReceiveFile(context.Background(), File{Path: PartialDir + "/x.txt", Size: 1}, bytes.NewReader([]byte("x")), "", nil); err == nil {
		t.Error("a file was received into the partial folder")
	}
}

func TestCleanPartialsRemovesOldOnes(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, PartialDir), 0o700); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	write := func(name string, age time.Duration) {
		p := filepath.Join(dir, PartialDir, name)
		if err := os.WriteFile(p, []byte("data"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	write("old.iso.1a2b3c4d"+PartialSuffix, 8*24*time.Hour)
	write("new.iso.5e6f7a8b"+PartialSuffix, 2*24*time.Hour)
	removed, err := CleanPartials(dir, now.Add(-7*24*time.Hour))
	if err != nil || len(removed) != 1 || removed[0].Name != "old.iso" || removed[0].Size != 4 {
		t.Fatalf("CleanPartials = %+v, %v", removed, err)
	}
	parts, _ := ListPartials(dir)
	if len(parts) != 1 || parts[0].Name != "new.iso" {
		t.Fatalf("left: %+v", parts)
	}
	// The last one going takes the hidden folder with it.
	if _, err := CleanPartials(dir, now); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, PartialDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty %s stays: %v", PartialDir, err)
	}
}

func TestRemovePartialOnlyRemovesPartials(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep.txt")
	os.WriteFile(keep, []byte("x"), 0o644)
	for _, bad := range []string{"../keep.txt", "keep.txt", "../../etc/passwd" + PartialSuffix, "a/b" + PartialSuffix} {
		if err := RemovePartial(filepath.Join(dir, "sub"), bad); err == nil {
			t.Errorf("RemovePartial(%q) accepted", bad)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatal("a file outside the partial folder went")
	}
}
