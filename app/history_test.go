package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lempar/lempar/transfer"
)

func openHistory(t *testing.T, dir string) *History {
	t.Helper()
	h, err := OpenHistory(dir)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHistoryAppendList(t *testing.T) {
	dir := t.TempDir()
	h := openHistory(t, dir)
	if len(h.List()) != 0 {
		t.Fatal("new history not empty")
	}
	start := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	e1 := HistoryEntry{ID: "s1", Direction: DirectionIn, PeerID: "P", PeerName: "Sari-PC", Title: "report.pdf",
		Files: 1, Bytes: 1 << 20, State: "done", SavedTo: "/home/u/Downloads/Lempar/report.pdf",
		Started: start, Finished: start.Add(time.Second)}
	e2 := HistoryEntry{ID: "s2", Direction: DirectionOut, PeerName: "lab-03", Title: "12 files", Files: 12,
		State: "failed", Error: "The connection dropped.", Started: start.Add(time.Minute)}
	for _, e := range []HistoryEntry{e1, e2} {
		if err := h.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	got := h.List()
	if len(got) != 2 || got[0].ID != "s2" || got[1].ID != "s1" {
		t.Fatalf("List = %+v, want s2 then s1", got)
	}
	// List hands out a copy.
	got[0].Title = "changed"
	if h.List()[0].Title != "12 files" {
		t.Error("List exposes internal state")
	}

	r := openHistory(t, dir).List()
	if len(r) != 2 || !r[1].Started.Equal(e1.Started) {
		t.Fatalf("reopened: %+v", r)
	}
	r[1].Started, r[1].Finished = e1.Started, e1.Finished
	if !reflect.DeepEqual(r[1], e1) {
		t.Errorf("reopened entry:\n got %+v\nwant %+v", r[1], e1)
	}
	if runtime.GOOS != "windows" {
		assertMode(t, filepath.Join(dir, HistoryFile), 0o600)
	}
}

func TestHistoryReplaceSameID(t *testing.T) {
	h := openHistory(t, t.TempDir())
	h.Append(HistoryEntry{ID: "a", State: "failed"})
	h.Append(HistoryEntry{ID: "b", State: "done"})
	h.Append(HistoryEntry{ID: "a", State: "done"})
	got := h.List()
	if len(got) != 2 || got[0].ID != "a" || got[0].State != "done" || got[1].ID != "b" {
		t.Errorf("List = %+v", got)
	}
	// Entries without an ID are never merged.
	h.Append(HistoryEntry{Title: "x"})
	h.Append(HistoryEntry{Title: "x"})
	if n := len(h.List()); n != 4 {
		t.Errorf("%d entries, want 4", n)
	}
}

func TestHistoryBounded(t *testing.T) {
	dir := t.TempDir()
	// A file with more entries than allowed (written by hand, or by a
	// version with a larger bound) is cut to the newest on load.
	var f historyFile
	for i := range MaxHistory + 20 {
		f.Entries = append(f.Entries, HistoryEntry{ID: fmt.Sprint(i)})
	}
	if err := saveJSON(filepath.Join(dir, HistoryFile), f); err != nil {
		t.Fatal(err)
	}
	h := openHistory(t, dir)
	if l := h.List(); len(l) != MaxHistory || l[0].ID != fmt.Sprint(MaxHistory+19) || l[MaxHistory-1].ID != "20" {
		t.Fatalf("loaded: len %d, newest %s, oldest %s", len(l), l[0].ID, l[len(l)-1].ID)
	}
	for i := range 10 {
		if err := h.Append(HistoryEntry{ID: fmt.Sprint("new", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range [][]HistoryEntry{h.List(), openHistory(t, dir).List()} {
		if len(l) != MaxHistory || l[0].ID != "new9" || l[MaxHistory-1].ID != "30" {
			t.Fatalf("len %d, newest %s, oldest %s", len(l), l[0].ID, l[len(l)-1].ID)
		}
	}
}

// Appending to a full history happens once per transfer; it must stay cheap
// next to a transfer.
func BenchmarkHistoryAppendFull(b *testing.B) {
	h, err := OpenHistory(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	e := HistoryEntry{Direction: DirectionIn, PeerID: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		PeerName: "Sari-PC", Title: "Laporan keuangan 2025.pdf", Files: 1, Bytes: 1 << 30, State: "done",
		SavedTo: "/home/budi/Downloads/Lempar/Laporan keuangan 2025.pdf", Started: time.Now(), Finished: time.Now()}
	for i := range MaxHistory {
		e.ID = fmt.Sprint(i)
		h.entries = append(h.entries, e)
	}
	b.ResetTimer()
	for i := range b.N {
		e.ID = fmt.Sprint("b", i)
		if err := h.Append(e); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHistoryClear(t *testing.T) {
	dir := t.TempDir()
	h := openHistory(t, dir)
	h.Append(HistoryEntry{ID: "a"})
	if err := h.Clear(); err != nil {
		t.Fatal(err)
	}
	if len(h.List()) != 0 || len(openHistory(t, dir).List()) != 0 {
		t.Error("history not cleared")
	}
	h.Append(HistoryEntry{ID: "b"})
	if l := openHistory(t, dir).List(); len(l) != 1 || l[0].ID != "b" {
		t.Errorf("after clear and append: %+v", l)
	}
}

func TestHistoryConcurrent(t *testing.T) {
	dir := t.TempDir()
	h := openHistory(t, dir)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 15 {
				if err := h.Append(HistoryEntry{ID: fmt.Sprintf("%d-%d", w, i)}); err != nil {
					t.Error(err)
				}
				h.List()
			}
		})
	}
	wg.Wait()
	if n := len(openHistory(t, dir).List()); n != 60 {
		t.Errorf("%d entries on disk, want 60", n)
	}
}

func TestHistoryCorrupt(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, HistoryFile)
	os.WriteFile(p, []byte(`{"version":1,"entries":[{"id":"a","bytes":"lots"}]}`), 0o600)
	h, err := OpenHistory(dir)
	var se *StoreError
	if !errors.As(err, &se) || !se.Corrupt() || se.Key != "err.store.corrupt.history" || se.BadPath != p+".bad" {
		t.Fatalf("OpenHistory(corrupt) = %v", err)
	}
	if h == nil || len(h.List()) != 0 {
		t.Fatal("corrupt history did not start empty")
	}
	if err := h.Append(HistoryEntry{ID: "new"}); err != nil {
		t.Fatal(err)
	}
	if l := openHistory(t, dir).List(); len(l) != 1 {
		t.Errorf("after recovery: %+v", l)
	}
}

// A LocalSend message may be 1 MiB; history keeps its first 256 KiB, cut
// between characters, so a full history stays a file that can be
// rewritten at every transfer.
func TestHistoryTextBounded(t *testing.T) {
	long := strings.Repeat("é", transfer.MaxTextBytes) // 2 bytes each: 512 KiB
	n := noteOffer([]transfer.Item{{Kind: transfer.KindText, Text: long}})
	if len(n.text) > transfer.MaxTextBytes+len("…") || !utf8.ValidString(n.text) || !strings.HasSuffix(n.text, "…") || !strings.HasPrefix(long, strings.TrimSuffix(n.text, "…")) {
		t.Fatalf("kept %d bytes, valid %v", len(n.text), utf8.ValidString(n.text))
	}
	if short := noteOffer([]transfer.Item{{Kind: transfer.KindText, Text: "halo"}}); short.text != "halo" {
		t.Fatalf("a short text became %q", short.text)
	}
}
