package desktop

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/transfer"
	"github.com/lempar/lempar/ui"
)

// An auto-accepted transfer never shows an offer dialog; its row is named
// by the offer from its first event on ("Fotos", 2 items), not "Untitled"
// until a file is saved. The offer is forgotten once the transfer ends.
func TestAutoAcceptedRowNamedByOffer(t *testing.T) {
	b, n, r := startDeviceWith(t, func(o *app.DeviceOptions, _ *app.Settings) { o.AcceptAll = true })
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "Fotos"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Fotos/a.jpg", "Fotos/b.jpg", "laporan.pdf"} {
		if err := os.WriteFile(filepath.Join(src, f), make([]byte, 2<<20), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srcs, err := transfer.CollectSources([]string{filepath.Join(src, "Fotos"), filepath.Join(src, "laporan.pdf")})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := transfer.NewEphemeralIdentity()
	res := make(chan transfer.Event, 1)
	go func() {
		ev, _ := transfer.Send(context.Background(), id, transfer.SendOptions{Addr: "127.0.0.1:" + itoa(n.Port()), Hello: transfer.Hello{Name: "Budi"}}, srcs)
		res <- ev
	}()

	var beforeSave int
	for {
		u := r.next(t, func(e ui.Event) bool {
			u, ok := e.(ui.TransferUpdated)
			return ok && u.Transfer.Direction == ui.Incoming
		}).(ui.TransferUpdated).Transfer
		if u.Name != "Fotos" || u.Kind != ui.KindDir || u.Count != 2 {
			t.Fatalf("%s row at %d/%d bytes reads %q (%s, %d items), want Fotos (folder, 2 items)", u.State, u.Done, u.Total, u.Name, u.Kind, u.Count)
		}
		if u.SavedTo == "" && !u.State.Final() {
			beforeSave++
		}
		if u.State.Final() {
			if u.State != ui.Done {
				t.Fatalf("final %s: %s", u.State, u.Err)
			}
			break
		}
	}
	if beforeSave == 0 {
		t.Fatal("no event came before the first file was saved: the test proves nothing")
	}
	if ev := <-res; ev.State != transfer.StateDone {
		t.Fatalf("sender: %v %v", ev.State, ev.Err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b.mu.Lock()
		left := len(b.offered)
		b.mu.Unlock()
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d offers still held after the transfer ended", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
