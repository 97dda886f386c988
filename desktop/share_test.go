package desktop

import (
	"crypto/tls"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/share"
	"github.com/lempar/lempar/ui/backend"
)

// The window's view of a real share: what is shared, the links, a browser
// asking (answered through the backend), and Stop sharing.
func TestShareThroughTheWindow(t *testing.T) {
	b, _, _ := pinBackend(t) // a device with LocalSend on loopback
	dir := t.TempDir()
	writeFiles(t, dir, "Foto/a.jpg", "Foto/b.jpg", "notes.txt")
	info, changed := startShare(t, b, filepath.Join(dir, "Foto"), filepath.Join(dir, "notes.txt"))
	if !info.Active || info.Files != 3 || strings.Join(info.Names, ",") != "Foto,notes.txt" || len(info.URLs) == 0 {
		t.Fatalf("share as the window sees it: %+v", info)
	}
	if err := b.AnswerShare("no-such-browser", true); err == nil || !strings.Contains(err.Error(), "no longer waiting") {
		t.Fatalf("answering nobody: %v", err)
	}
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	got := make(chan int, 1)
	go func() {
		resp, err := c.Post(strings.Replace(info.URLs[0], "[::1]", "127.0.0.1", 1)+strings.TrimPrefix(share.PathPrepare, "/"), "", nil)
		if err != nil {
			got <- 0
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	id := waitingBrowser(t, b, changed)
	if err := b.AnswerShare(id, false); err != nil {
		t.Fatal(err)
	}
	if st := <-got; st != http.StatusForbidden {
		t.Fatalf("declined browser got %d", st)
	}
	b.StopShare()
	if b.ShareState().Active {
		t.Fatal("still sharing after Stop")
	}
}

// startShare shares paths through the backend, as the window does, and
// returns the share and a channel that ticks when its state changes.
func startShare(t *testing.T, b *Backend, paths ...string) (backend.ShareInfo, <-chan struct{}) {
	t.Helper()
	changed := make(chan struct{}, 16)
	info, err := b.StartShare(paths, func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return info, changed
}

// waitingBrowser waits until the window lists a browser waiting for the
// person's answer and returns its ID.
func waitingBrowser(t *testing.T, b *Backend, changed <-chan struct{}) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		for _, r := range b.ShareState().Requests {
			if !r.Allowed {
				return r.ID
			}
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("the window never listed the browser")
		}
	}
}
