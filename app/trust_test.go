package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/i18n"
)

func openTrust(t *testing.T, dir string) *TrustStore {
	t.Helper()
	s, err := OpenTrustStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTrustRememberKeepsUserChoices(t *testing.T) {
	dir := t.TempDir()
	s := openTrust(t, dir)
	t0 := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)

	d, err := s.Remember(KnownDevice{ID: "A", Name: "Sari-PC", LastAddr: "192.0.2.1:53318", LastSeen: t0})
	if err != nil {
		t.Fatal(err)
	}
	if !d.FirstSeen.Equal(t0) || !d.LastSeen.Equal(t0) || d.AutoAccept {
		t.Errorf("new device stored as %+v", d)
	}
	if err := s.SetAutoAccept("A", true); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename("A", "Sari's desk"); err != nil {
		t.Fatal(err)
	}

	// The peer comes back with a new name and address, claiming nothing else.
	t1 := t0.Add(time.Hour)
	d, err = s.Remember(KnownDevice{ID: "A", Name: "Sari-Laptop", LastAddr: "192.0.2.9:53318", LastSeen: t1})
	if err != nil {
		t.Fatal(err)
	}
	want := KnownDevice{ID: "A", Name: "Sari-Laptop", Nickname: "Sari's desk", LastAddr: "192.0.2.9:53318",
		AutoAccept: true, FirstSeen: t0, LastSeen: t1}
	if d != want {
		t.Errorf("after Remember:\n got %+v\nwant %+v", d, want)
	}
	if d.DisplayName() != "Sari's desk" {
		t.Errorf("DisplayName %q", d.DisplayName())
	}
	// An older sighting arriving late does not move LastSeen back, and
	// a blank name or address doesn't erase what we know.
	d, _ = s.Remember(KnownDevice{ID: "A", LastSeen: t0})
	if !d.LastSeen.Equal(t1) || d.Name != "Sari-Laptop" || d.LastAddr != "192.0.2.9:53318" {
		t.Errorf("stale Remember changed %+v", d)
	}

	// Everything survives a restart.
	got, ok := openTrust(t, dir).Get("A")
	if !ok || got != want {
		t.Errorf("reopened:\n got %+v\nwant %+v", got, want)
	}
	if runtime.GOOS != "windows" {
		assertMode(t, filepath.Join(dir, TrustFile), 0o600)
	}
}

func TestTrustNamesFromNetworkAreCleaned(t *testing.T) {
	s := openTrust(t, t.TempDir())
	d, _ := s.Remember(KnownDevice{ID: "X", Name: "\x1b]0;owned\x07Evil"})
	if strings.ContainsAny(d.Name, "\x1b\x07") {
		t.Errorf("control characters kept: %q", d.Name)
	}
	if _, err := s.Remember(KnownDevice{Name: "no id"}); err == nil {
		t.Error("Remember without an ID succeeded")
	}
}

func TestTrustUnknownAndForget(t *testing.T) {
	dir := t.TempDir()
	s := openTrust(t, dir)
	for _, err := range []error{s.SetAutoAccept("nope", true), s.Rename("nope", "x")} {
		if !errors.Is(err, ErrUnknownDevice) {
			t.Errorf("got %v, want ErrUnknownDevice", err)
		}
		if msg := err.(interface{ Localize(*i18n.Translator) string }).Localize(i18n.Load("id")); !strings.Contains(msg, "nope") {
			t.Errorf("Indonesian message %q lacks the ID", msg)
		}
	}
	s.Remember(KnownDevice{ID: "A", Name: "a"})
	s.Remember(KnownDevice{ID: "B", Name: "b"})
	if err := s.Forget("A"); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget("A"); err != nil {
		t.Errorf("forgetting twice: %v", err)
	}
	if _, ok := s.Get("A"); ok {
		t.Error("A still known")
	}
	r := openTrust(t, dir)
	if _, ok := r.Get("A"); ok {
		t.Error("A known again after reopening")
	}
	if _, ok := r.Get("B"); !ok {
		t.Error("B lost")
	}
}

func TestTrustList(t *testing.T) {
	s := openTrust(t, t.TempDir())
	s.Remember(KnownDevice{ID: "3", Name: "zeta"})
	s.Remember(KnownDevice{ID: "1", Name: "Beta"})
	s.Remember(KnownDevice{ID: "2", Name: "alpha"})
	s.Rename("3", "Aardvark")
	var names []string
	for _, d := range s.List() {
		names = append(names, d.DisplayName())
	}
	if got := strings.Join(names, ","); got != "Aardvark,alpha,Beta" {
		t.Errorf("List order %s", got)
	}
}

func TestTrustNameClash(t *testing.T) {
	s := openTrust(t, t.TempDir())
	s.Remember(KnownDevice{ID: "A", Name: "Sari-PC"})
	s.Remember(KnownDevice{ID: "B", Name: "lab-03"})
	s.Rename("B", "Lab printer PC")
	for _, tt := range []struct {
		name, id string
		want     bool
	}{
		{"Sari-PC", "A", false}, // the real one
		{"Sari-PC", "Z", true},  // someone else using its name
		{"sari-pc ", "Z", true}, // looks the same on screen
		{"Lab printer PC", "Z", true},
		{"lab-03", "B", false},
		{"Sari-PC2", "Z", false},
		{"", "Z", false},
	} {
		if got := s.NameClash(tt.name, tt.id); got != tt.want {
			t.Errorf("NameClash(%q, %q) = %v, want %v", tt.name, tt.id, got, tt.want)
		}
	}
	s.Forget("A")
	if s.NameClash("Sari-PC", "Z") {
		t.Error("a forgotten device still clashes")
	}
}

func TestTrustConcurrentRemember(t *testing.T) {
	dir := t.TempDir()
	s := openTrust(t, dir)
	const workers, each = 8, 20
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				// Half the IDs are shared by all workers, half are their own.
				id := fmt.Sprintf("shared-%d", i%5)
				if i%2 == 1 {
					id = fmt.Sprintf("w%d-%d", w, i)
				}
				if _, err := s.Remember(KnownDevice{ID: id, Name: id, LastAddr: fmt.Sprintf("w%d", w)}); err != nil {
					t.Error(err)
				}
				if i%4 == 0 {
					s.SetAutoAccept(id, true)
					s.NameClash(id, "other")
					s.List()
				}
			}
		})
	}
	wg.Wait()
	want := 5 + workers*each/2
	if n := len(s.List()); n != want {
		t.Errorf("%d devices in memory, want %d", n, want)
	}
	r := openTrust(t, dir)
	if n := len(r.List()); n != want {
		t.Errorf("%d devices on disk, want %d", n, want)
	}
	for _, d := range s.List() {
		if got, _ := r.Get(d.ID); got != d {
			t.Errorf("disk differs from memory for %s:\n%+v\n%+v", d.ID, got, d)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("folder holds %d files, want only %s", len(ents), TrustFile)
	}
}

func TestTrustCorrupt(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, TrustFile)
	os.WriteFile(p, []byte("\x00\x00\x00\x00"), 0o600) // a torn write from some other tool
	s, err := OpenTrustStore(dir)
	var se *StoreError
	if !errors.As(err, &se) || !se.Corrupt() || se.Key != "err.store.corrupt.trust" {
		t.Fatalf("OpenTrustStore(corrupt) = %v", err)
	}
	if s == nil || len(s.List()) != 0 {
		t.Fatal("corrupt trust store did not start empty")
	}
	if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "ask before accepting") {
		t.Errorf("message %q", err)
	}
	if _, err := os.Stat(p + ".bad"); err != nil {
		t.Errorf("damaged file not kept: %v", err)
	}
	// The store works, and its first save doesn't touch the kept copy.
	if _, err := s.Remember(KnownDevice{ID: "A"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p + ".bad"); string(b) != "\x00\x00\x00\x00" {
		t.Errorf(".bad changed: %q", b)
	}
	if _, ok := openTrust(t, dir).Get("A"); !ok {
		t.Error("new store not saved")
	}
}

func TestTrustUnreadable(t *testing.T) {
	dir := t.TempDir()
	// A folder where the file should be can't be read (even by root).
	os.Mkdir(filepath.Join(dir, TrustFile), 0o700)
	s, err := OpenTrustStore(dir)
	var se *StoreError
	if s != nil || !errors.As(err, &se) || se.Corrupt() || se.Key != "err.store.read" {
		t.Errorf("OpenTrustStore(unreadable) = %v, %v; want nil and a read error", s, err)
	}
}
