package savedir

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Many folders written from several goroutines at once (as LocalSend's
// parallel uploads do): every file lands once, in its own folder, a second
// copy gets "(1)", and the folder never holds more folders open than its bound.
func TestManyFoldersInParallel(t *testing.T) {
	dir := t.TempDir()
	ib, err := Open(dir, "peer")
	if err != nil {
		t.Fatal(err)
	}
	const folders, workers = 3 * maxSubRoots, 4
	var wg sync.WaitGroup
	errs := make(chan error, folders*2)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < folders*2; i += workers {
				it := File{Path: fmt.Sprintf("a/f%02d/b/doc.txt", i%folders), Size: 2, MTime: 1}
				if err := ib.Mkdir(filepath.ToSlash(filepath.Dir(it.Path))); err != nil {
					errs <- err
					return
				}
				partial := UniquePartialName(it.Path)
				f, err := ib.OpenPartial(partial, 0, 0o644)
				if err != nil {
					errs <- err
					return
				}
				f.Write([]byte("hi"))
				f.Close()
				if _, err := ib.Place(partial, it.Path, it.MTime); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ib.mu.Lock()
	open := len(ib.subs)
	ib.mu.Unlock()
	if open > maxSubRoots {
		t.Fatalf("%d folders held open, bound is %d", open, maxSubRoots)
	}
	ib.Close()
	for i := range folders {
		ents, err := os.ReadDir(filepath.Join(dir, "a", fmt.Sprintf("f%02d", i), "b"))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		if len(names) != 2 || names[0] != "doc (1).txt" || names[1] != "doc.txt" {
			t.Fatalf("folder %d holds %q", i, names)
		}
	}
}

// A symlink planted in the download folder (by another program, or a
// earlier tampering) is never followed: not when the partial is created,
// not when the file is placed.
func TestNeverFollowsPlantedSymlinks(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"sub", PartialDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	it := File{Path: "sub/doc.txt", Size: 2}
	partial := PartialName("peer", it.Path, it.Size, it.MTime)
	for _, name := range []string{partial, it.Path} {
		if err := os.Symlink(secret, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	ib, err := Open(dir, "peer")
	if err != nil {
		t.Fatal(err)
	}
	defer ib.Close()
	if f, err := ib.OpenPartial(partial, 0, 0o644); err == nil {
		f.Close()
		t.Fatal("a partial was opened through a symlink")
	}
	other := UniquePartialName(it.Path)
	f, err := ib.OpenPartial(other, 0, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("hi"))
	f.Close()
	final, err := ib.Place(other, it.Path, it.MTime)
	if err != nil {
		t.Fatal(err)
	}
	if final != "sub/doc (1).txt" {
		t.Fatalf("placed as %q", final)
	}
	if b, _ := os.ReadFile(secret); string(b) != "keep" {
		t.Fatalf("the file outside was changed to %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sub", "doc (1).txt")); string(b) != "hi" {
		t.Fatalf("placed file holds %q", b)
	}
}
