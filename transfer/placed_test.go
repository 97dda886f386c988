package transfer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lempar/lempar/savedir"
)

// A receiver that restarts after placing the files of a session, before
// the sender heard so, is offered the same session again: it keeps what
// it placed instead of receiving it again as "name (1)". Only that
// session from that sender is taken so, and only for the same bytes.
func TestRetriedSessionKeepsPlacedFiles(t *testing.T) {
	rx1 := startReceiver(t, acceptAll)
	dir := rx1.dir
	sameDir := func(s *Server) { s.Dir = func() string { return dir } }
	srcDir := t.TempDir()
	big, small := randBytes(3<<20+17), []byte("catatan rapat\n")
	writeFile(t, filepath.Join(srcDir, "rekaman.wav"), big)
	writeFile(t, filepath.Join(srcDir, "catatan.txt"), small)
	srcs, err := CollectSources([]string{filepath.Join(srcDir, "rekaman.wav"), filepath.Join(srcDir, "catatan.txt")})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := NewEphemeralIdentity()
	session := uuid.NewString()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	send := func(id *Identity, rx *testNode, session string) (Event, Event) {
		t.Helper()
		ev, err := Send(ctx, id, SendOptions{Addr: rx.addr, Session: session}, srcs)
		if err != nil || ev.State != StateDone {
			t.Fatalf("send (session %q): %v %+v", session, err, ev)
		}
		return ev, rx.waitFinal(t)
	}
	names := func() []string {
		out := visibleEntries(dir)
		slices.Sort(out)
		return out
	}

	send(id, rx1, session)
	if got := names(); !slices.Equal(got, []string{"catatan.txt", "rekaman.wav"}) {
		t.Fatalf("after the first send the folder holds %v", got)
	}

	// Restarted: a new engine on the same folder, the same session again.
	rx2 := startReceiver(t, acceptAll, sameDir)
	out, in := send(id, rx2, session)
	if out.Sent != 0 {
		t.Fatalf("the retried session sent %d bytes of files the receiver had placed", out.Sent)
	}
	if in.FilesDone != 2 || !slices.Equal(in.Saved, []string{"rekaman.wav", "catatan.txt"}) {
		t.Fatalf("the receiver's report of the retried session: files %d, saved %v", in.FilesDone, in.Saved)
	}
	if got := names(); !slices.Equal(got, []string{"catatan.txt", "rekaman.wav"}) {
		t.Fatalf("after the retried session the folder holds %v", got)
	}

	// Another device claiming that session gets nothing of it: its files
	// are sent and placed beside, as any new send's.
	liar, _ := NewEphemeralIdentity()
	rx3 := startReceiver(t, acceptAll, sameDir)
	if out, _ := send(liar, rx3, session); out.Sent != int64(len(big)+len(small)) {
		t.Fatalf("a device claiming another's session sent %d bytes, want all %d", out.Sent, len(big)+len(small))
	}
	// A new session of the same files is a new send, placed beside too.
	rx4 := startReceiver(t, acceptAll, sameDir)
	if out, _ := send(id, rx4, ""); out.Sent != int64(len(big)+len(small)) {
		t.Fatalf("a new session of the same files sent %d bytes, want all %d", out.Sent, len(big)+len(small))
	}
	want := []string{"catatan (1).txt", "catatan (2).txt", "catatan.txt", "rekaman (1).wav", "rekaman (2).wav", "rekaman.wav"}
	if got := names(); !slices.Equal(got, want) {
		t.Fatalf("the folder holds %v, want %v", got, want)
	}

	// The same session with other bytes (same size and time): sent whole,
	// placed beside; the file placed before is left as it was.
	changed := slices.Clone(big)
	changed[len(changed)/2] ^= 0xff
	st, _ := os.Stat(filepath.Join(srcDir, "rekaman.wav"))
	writeFile(t, filepath.Join(srcDir, "rekaman.wav"), changed)
	if err := os.Chtimes(filepath.Join(srcDir, "rekaman.wav"), st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	rx5 := startReceiver(t, acceptAll, sameDir)
	out, in = send(id, rx5, session)
	if out.Sent < int64(len(changed)) || !slices.Contains(in.Saved, "rekaman (3).wav") {
		t.Fatalf("changed bytes under the same session: sent %d, saved %v", out.Sent, in.Saved)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "rekaman.wav")); !slices.Equal(got, big) {
		t.Fatal("the file placed first was changed")
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "rekaman (3).wav")); !slices.Equal(got, changed) {
		t.Fatal("the changed file was not received whole")
	}

	// Journals past their age go with the next receive.
	journals := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, savedir.PartialDir, "*"+savedir.JournalSuffix))
		return m
	}
	old := time.Now().Add(-savedir.JournalMaxAge - time.Hour)
	for _, j := range journals() {
		if err := os.Chtimes(j, old, old); err != nil {
			t.Fatal(err)
		}
	}
	before := len(journals())
	send(id, startReceiver(t, acceptAll, sameDir), "")
	if after := len(journals()); before < 2 || after != 1 {
		t.Fatalf("%d journals before a receive, all past their age; %d after, want only the new one", before, after)
	}
}
