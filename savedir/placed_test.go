package savedir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A session's journal of placed files is read back only for the same
// sender and session; lines that name a path outside the folder are
// ignored; old journals are cleaned, and partial lists never show them.
func TestPlacedJournal(t *testing.T) {
	dir := t.TempDir()
	ib, err := Open(dir, "guru")
	if err != nil {
		t.Fatal(err)
	}
	defer ib.Close()
	ib.NotePlaced("s1", 0, "video.mp4")
	ib.NotePlaced("s1", 2, "foto/foto (1).jpg")
	ib.NotePlaced("s2", 0, "lain.txt")
	got := ib.Placed("s1")
	if len(got) != 2 || got[0] != "video.mp4" || got[2] != "foto/foto (1).jpg" {
		t.Fatalf("Placed(s1) = %v", got)
	}
	if got := ib.Placed("s3"); len(got) != 0 {
		t.Fatalf("a session that placed nothing: %v", got)
	}
	other, err := Open(dir, "tamu")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if got := other.Placed("s1"); len(got) != 0 {
		t.Fatalf("another sender naming the session read %v", got)
	}

	// A journal someone planted (or a damaged one): only sound lines count.
	j := filepath.Join(dir, filepath.FromSlash(journalName("guru", "s4")))
	planted := `{"item":0,"saved":"../../etc/passwd"}
{"item":1,"saved":"/etc/shadow"}
not json
{"item":-1,"saved":"x.txt"}
{"item":3,"saved":"ok.txt"}
`
	if err := os.WriteFile(j, []byte(planted), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := ib.Placed("s4"); len(got) != 1 || got[3] != "ok.txt" {
		t.Fatalf("Placed of a planted journal = %v", got)
	}

	if parts, _ := ListPartials(dir); len(parts) != 0 {
		t.Fatalf("journals listed as partials: %v", parts)
	}
	old := time.Now().Add(-48 * time.Hour)
	s1 := filepath.Join(dir, filepath.FromSlash(journalName("guru", "s1")))
	if err := os.Chtimes(s1, old, old); err != nil {
		t.Fatal(err)
	}
	CleanJournals(dir, time.Now().Add(-24*time.Hour))
	if got := ib.Placed("s1"); len(got) != 0 {
		t.Fatalf("an old journal survived the clean: %v", got)
	}
	if got := ib.Placed("s2"); len(got) != 1 {
		t.Fatalf("a fresh journal was cleaned: %v", got)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, PartialDir))
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), JournalSuffix) {
			t.Errorf("unexpected %s in the partial folder", e.Name())
		}
	}
}
