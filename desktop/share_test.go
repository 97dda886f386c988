package desktop

import (
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/share"
)

// The window's view of a real share: what is shared, the links, a browser
// asking (answered through the backend), and Stop sharing.
func TestShareThroughTheWindow(t *testing.T) {
	b, _, _ := pinBackend(t) // a device with LocalSend on loopback
	dir := t.TempDir()
	for _, p := range []string{"Foto/a.jpg", "Foto/b.jpg", "notes.txt"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	changed := make(chan struct{}, 16)
	info, err := b.StartShare([]string{filepath.Join(dir, "Foto"), filepath.Join(dir, "notes.txt")}, func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
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
	deadline := time.After(20 * time.Second)
	var id string
	for id == "" {
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("the window never heard of the browser")
		}
		for _, r := range b.ShareState().Requests {
			if !r.Allowed {
				id = r.ID
			}
		}
	}
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
