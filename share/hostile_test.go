package share_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/browsertest"
	"github.com/lempar/lempar/share"
)

// allowedSession shares paths and returns a session allowed for c.
func allowedSession(t *testing.T, s *sharer, sh *share.Share, c *http.Client) prepared {
	t.Helper()
	wg := answerAsync(t, s, sh, true)
	st, p, body := prepare(t, c, s.http, nil)
	wg.Wait()
	if st != http.StatusOK {
		t.Fatalf("prepare-download: %d %s", st, body)
	}
	return p
}

// Download requests name files by the share's IDs only: paths, encoded
// paths, absolute paths and a file ID of an earlier share get nothing.
func TestPathTricksRefused(t *testing.T) {
	s := startSharer(t)
	dir, _ := files(t)
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("SECRET-DO-NOT-SERVE"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := s.start(t, share.Options{Paths: []string{secret}})
	oldID := old.Files()[0].ID
	sh := s.start(t, share.Options{Paths: []string{filepath.Join(dir, "Photos")}}) // replaces the first
	if !old.Stopped() {
		t.Fatal("starting a share left the earlier one running")
	}
	c := client("")
	p := allowedSession(t, s, sh, c)
	q := url.QueryEscape
	tricks := []string{
		downloadURL(s.http, p.SessionID, oldID),
		downloadURL(s.http, p.SessionID, "../secret.txt"),
		downloadURL(s.http, p.SessionID, secret),
		downloadURL(s.http, p.SessionID, "Photos/beach.jpg"),
		downloadURL(s.http, p.SessionID, "beach.jpg"),
		s.http + share.PathDownload + "?sessionId=" + q(p.SessionID) + "&fileId=%2e%2e%2fsecret.txt",
		s.http + share.PathDownload + "?sessionId=" + q(p.SessionID) + "&fileId=" + q(strings.Repeat("../", 40)+"etc/passwd"),
		s.http + share.PathDownload + "/../../" + secret,
		s.http + share.PathDownload + "/%2e%2e/%2e%2e" + secret,
		s.http + "/..%2f..%2f" + strings.TrimPrefix(secret, "/"),
		s.http + "/" + secret,
		s.http + share.PathZip + "/../" + secret,
	}
	for _, u := range tricks {
		st, b, err := get(t, c, u)
		if err == nil && (st == http.StatusOK || bytes.Contains(b, []byte("SECRET"))) {
			t.Errorf("GET %s: %d, %q — served", u, st, b)
		}
	}
	// Raw request lines a client library would clean up first.
	for _, target := range []string{
		share.PathDownload + "?sessionId=" + q(p.SessionID) + "&fileId=" + q(secret),
		"/../../../.." + secret,
		"/%2e%2e/%2e%2e" + secret,
		secret,
		"//" + secret,
	} {
		st, b := rawGet(t, s.http, target)
		if st == 200 || strings.Contains(b, "SECRET") {
			t.Errorf("raw GET %s: %d %q — served", target, st, b)
		}
	}
}

// rawGet sends a request line as written, over plain HTTP.
func rawGet(t *testing.T, base, target string) (int, string) {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, u.Host)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}

// A session works only from the address it was allowed for: another
// browser on the LAN that learned the ID (a shared link with the ID in
// it) is refused.
func TestSessionBoundToAddress(t *testing.T) {
	s := startSharer(t)
	dir, _ := files(t)
	sh := s.start(t, share.Options{Paths: []string{dir}})
	p := allowedSession(t, s, sh, client("127.0.0.1"))
	var id string
	for id = range p.Files {
		break
	}
	other := client("127.0.0.2")
	if st, b, _ := get(t, other, downloadURL(s.http, p.SessionID, id)); st != http.StatusForbidden {
		t.Fatalf("session used from another address: %d, %d bytes", st, len(b))
	}
	if st, _, _ := get(t, client("127.0.0.1"), downloadURL(s.http, p.SessionID, id)); st != http.StatusOK {
		t.Fatalf("the allowed address: %d", st)
	}
}

// Stop sharing ends it at once: a download in flight is cut (the client
// sees an error, not a short file), and the link, the session and the
// file IDs replayed afterwards get nothing.
func TestStopEndsEverything(t *testing.T) {
	s := startSharer(t)
	big := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(big, bytes.Repeat([]byte("lempar!!"), 32<<20/8), 0o644); err != nil {
		t.Fatal(err)
	}
	sh := s.start(t, share.Options{Paths: []string{big}})
	c := client("")
	p := allowedSession(t, s, sh, c)
	id := sh.Files()[0].ID

	// A client that reads slowly: the download is in flight when sharing stops.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, downloadURL(s.https, p.SessionID, id), nil)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("download: %v %v", err, resp)
	}
	first := make([]byte, 64<<10)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	// A second browser waits for an answer.
	waiting := make(chan int, 1)
	go func() {
		st, _, _ := prepare(t, client("127.0.0.3"), s.http, nil)
		waiting <- st
	}()
	waitRequest(t, s, sh, 1)

	stopped := time.Now()
	s.srv.Stop()
	n, err := io.Copy(io.Discard, resp.Body)
	cut := time.Since(stopped)
	resp.Body.Close()
	if err == nil {
		t.Fatalf("download after stop ended cleanly (%d more bytes): the browser would keep a short file", n)
	}
	if int64(len(first))+n >= 32<<20 {
		t.Fatalf("the whole file arrived after stop")
	}
	if cut > 5*time.Second {
		t.Fatalf("download cut %v after stop", cut)
	}
	select {
	case st := <-waiting:
		if st != http.StatusForbidden {
			t.Fatalf("waiting browser got %d at stop, want 403", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiting browser not answered at stop")
	}
	t.Logf("download cut %v after stop, %d MiB of 32 sent", cut.Round(time.Millisecond), (int64(len(first))+n)>>20)

	// Replays: the link, the session, the file.
	replay := func(when string) {
		if st, _, body := prepare(t, c, s.http, url.Values{"sessionId": {p.SessionID}}); st != http.StatusForbidden {
			t.Errorf("%s: prepare-download with the old session: %d %s", when, st, body)
		}
		if st, b, _ := get(t, c, downloadURL(s.http, p.SessionID, id)); st != http.StatusForbidden {
			t.Errorf("%s: download replayed: %d, %d bytes", when, st, len(b))
		}
		if st, b, _ := get(t, c, s.http+share.PathZip+"?sessionId="+p.SessionID); st != http.StatusForbidden {
			t.Errorf("%s: zip replayed: %d, %d bytes", when, st, len(b))
		}
		if st, b, _ := get(t, c, s.http+"/"); st != http.StatusForbidden || !strings.Contains(string(b), "ended") {
			t.Errorf("%s: page: %d", when, st)
		}
	}
	replay("after stop")
	// A new share of the same file: the old IDs still mean nothing.
	sh2 := s.start(t, share.Options{Paths: []string{big}})
	if sh2.Files()[0].ID == id {
		t.Fatal("a new share reuses the old file ID")
	}
	if st, _, _ := get(t, c, downloadURL(s.http, p.SessionID, sh2.Files()[0].ID)); st != http.StatusForbidden {
		t.Errorf("old session on a new share: %d", st)
	}
	if st, _, _ := get(t, c, downloadURL(s.http, p.SessionID, id)); st != http.StatusForbidden {
		t.Errorf("old IDs on a new share: %d", st)
	}
}

// The PIN is asked before anyone is: missing and wrong get 401, five
// wrong tries 429 even with the right one, and the person is never asked
// meanwhile.
func TestPIN(t *testing.T) {
	s := startSharer(t)
	dir, _ := files(t)
	sh := s.start(t, share.Options{Paths: []string{dir}, PIN: func() string { return "4821" }})
	c := client("127.0.0.4")
	if st, _, body := prepare(t, c, s.http, nil); st != http.StatusUnauthorized {
		t.Fatalf("no PIN: %d %s", st, body)
	}
	wg := answerAsync(t, s, sh, true)
	if st, _, body := prepare(t, c, s.http, url.Values{"pin": {"4821"}}); st != http.StatusOK {
		t.Fatalf("right PIN, allowed: %d %s", st, body)
	}
	wg.Wait()
	bad := client("127.0.0.5")
	for i := 0; i < 5; i++ {
		if st, _, _ := prepare(t, bad, s.http, url.Values{"pin": {fmt.Sprint(1000 + i)}}); st != http.StatusUnauthorized {
			t.Fatalf("wrong PIN %d: %d", i, st)
		}
	}
	if st, _, _ := prepare(t, bad, s.http, url.Values{"pin": {"4821"}}); st != http.StatusTooManyRequests {
		t.Fatalf("after five wrong PINs: %d, want 429", st)
	}
	for _, r := range sh.Requests() {
		if r.Addr.String() == "127.0.0.5" {
			t.Fatalf("a browser without the right PIN reached the window: %+v", r)
		}
	}
}

// Waiting browsers are bounded: 2 per address, 8 in all; the rest get 429
// at once and never reach the window.
func TestPendingBounded(t *testing.T) {
	s := startSharer(t)
	dir, _ := files(t)
	sh := s.start(t, share.Options{Paths: []string{dir}, ConsentTimeout: 20 * time.Second})
	results := make(chan int, 16)
	ask := func(from string) {
		go func() {
			st, _, _ := prepare(t, client(from), s.http, nil)
			results <- st
		}()
	}
	ask("127.0.1.1")
	ask("127.0.1.1")
	waitRequest(t, s, sh, 2)
	ask("127.0.1.1") // a third from the same address
	select {
	case st := <-results:
		if st != http.StatusTooManyRequests {
			t.Fatalf("third from one address: %d", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("third request from one address waits")
	}
	for i := 2; i <= 7; i++ {
		ask(fmt.Sprintf("127.0.1.%d", i))
	}
	waitRequest(t, s, sh, 8)
	ask("127.0.2.1")
	select {
	case st := <-results:
		if st != http.StatusTooManyRequests {
			t.Fatalf("ninth waiting browser: %d", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ninth waiting browser waits")
	}
	if n := len(sh.Requests()); n != 8 {
		t.Fatalf("%d requests listed, want 8", n)
	}
	s.srv.Stop()
	for i := 0; i < 8; i++ {
		if st := <-results; st != http.StatusForbidden {
			t.Fatalf("waiting browser at stop: %d", st)
		}
	}
}

// Stop during "download all": the zip stream is cut, so the browser sees a
// failed download, never a short zip that opens as if complete.
func TestStopCutsZip(t *testing.T) {
	s := startSharer(t)
	dir := t.TempDir()
	for _, name := range []string{"a.bin", "b.bin"} {
		if err := os.WriteFile(filepath.Join(dir, name), bytes.Repeat([]byte{'z'}, 16<<20), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sh := s.start(t, share.Options{Paths: []string{dir}})
	c := client("")
	p := allowedSession(t, s, sh, c)
	resp, err := c.Get(s.http + share.PathZip + "?sessionId=" + url.QueryEscape(p.SessionID))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("zip: %v %v", err, resp)
	}
	defer resp.Body.Close()
	got := make([]byte, 256<<10)
	if _, err := io.ReadFull(resp.Body, got); err != nil {
		t.Fatal(err)
	}
	s.srv.Stop()
	rest, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("zip after stop ended cleanly (%d more bytes)", len(rest))
	}
	all := append(got, rest...)
	if _, zerr := zip.NewReader(bytes.NewReader(all), int64(len(all))); zerr == nil {
		t.Fatalf("the cut zip (%d bytes) opens as a zip", len(all))
	}
}

// A file inside a shared folder that becomes a link after the share
// started (to a file the person never chose) is not served, neither alone
// nor in the zip; links present from the start are never listed.
func TestLinkInFolderNotFollowed(t *testing.T) {
	s := startSharer(t)
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret.txt")
	for p, b := range map[string]string{filepath.Join(dir, "a.txt"): "A", filepath.Join(dir, "b.txt"): "B", secret: "SECRET-DO-NOT-SERVE"} {
		if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(secret, filepath.Join(dir, "early-link.txt")); err != nil {
		t.Fatal(err)
	}
	sh := s.start(t, share.Options{Paths: []string{dir}})
	var bID string
	for _, f := range sh.Files() {
		if strings.HasSuffix(f.Name, "early-link.txt") {
			t.Fatalf("a link in the folder is listed: %s", f.Name)
		}
		if strings.HasSuffix(f.Name, "b.txt") {
			bID = f.ID
		}
	}
	if err := os.Remove(filepath.Join(dir, "b.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "b.txt")); err != nil {
		t.Fatal(err)
	}
	c := client("")
	p := allowedSession(t, s, sh, c)
	if st, b, _ := get(t, c, downloadURL(s.http, p.SessionID, bID)); st == http.StatusOK || bytes.Contains(b, []byte("SECRET")) {
		t.Fatalf("the swapped-in link was served: %d %q", st, b)
	}
	st, z, err := get(t, c, s.http+share.PathZip+"?sessionId="+url.QueryEscape(p.SessionID))
	if err != nil || st != http.StatusOK || bytes.Contains(z, []byte("SECRET")) {
		t.Fatalf("zip: %d %v, holds the secret: %v", st, err, bytes.Contains(z, []byte("SECRET")))
	}
	browsertest.CheckZip(t, z, map[string][]byte{filepath.Base(dir) + "/a.txt": []byte("A")})
}
