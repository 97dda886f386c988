package share_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/share"
	"github.com/lempar/lempar/transfer"
)

// sharer is a real LocalSend service on 127.0.0.1 (HTTPS and HTTP on one
// port) with a share.Server mounted, as the app runs it.
type sharer struct {
	srv     *share.Server
	svc     *localsend.Service
	https   string // https://127.0.0.1:port
	http    string
	changed chan struct{} // OnChange, coalesced
}

func startSharer(t *testing.T) *sharer {
	t.Helper()
	id, err := transfer.NewEphemeralIdentity()
	if err != nil {
		t.Fatal(err)
	}
	s := &sharer{srv: &share.Server{}, changed: make(chan struct{}, 1)}
	s.svc = localsend.New(localsend.Config{
		Identity: id, Alias: func() string { return "Laptop" }, Dir: func() string { return t.TempDir() },
		Acceptor: transfer.AcceptorFunc(func(context.Context, *transfer.Request) transfer.Answer { return transfer.Answer{} }),
		Port:     -1, Listen: "127.0.0.1", NoMulticast: true, AllowHTTP: true, Share: s.srv,
	})
	if err := s.svc.Listen(); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(s.svc.Port())
	s.https, s.http = "https://127.0.0.1:"+port, "http://127.0.0.1:"+port
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.svc.Serve(ctx) }()
	t.Cleanup(func() {
		s.srv.Stop()
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return s
}

// start shares paths with a short consent timeout unless o says otherwise.
func (s *sharer) start(t *testing.T, o share.Options) *share.Share {
	t.Helper()
	o.Alias = func() string { return "Laptop" }
	o.Info = func() any { return s.svc.Self() }
	o.OnChange = func() {
		select {
		case s.changed <- struct{}{}:
		default:
		}
	}
	sh, err := s.srv.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

// waitRequest waits until n browsers are waiting for an answer and
// returns the newest.
func waitRequest(t *testing.T, s *sharer, sh *share.Share, n int) share.Request {
	t.Helper()
	r, err := pendingRequest(s, sh, n)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func pendingRequest(s *sharer, sh *share.Share, n int) (share.Request, error) {
	deadline := time.After(20 * time.Second)
	for {
		var pending []share.Request
		for _, r := range sh.Requests() {
			if !r.Allowed {
				pending = append(pending, r)
			}
		}
		if len(pending) >= n {
			return pending[len(pending)-1], nil
		}
		select {
		case <-s.changed:
		case <-deadline:
			return share.Request{}, fmt.Errorf("no browser asked (%d waiting, want %d)", len(pending), n)
		}
	}
}

// client is a LocalSend-app style client: it trusts the certificate (a
// LocalSend app pins the fingerprint instead) and keeps no cookies, so
// the session ID travels in the URL as the protocol says.
func client(from string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		DialContext:     d.DialContext,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}
}

type prepared struct {
	SessionID string `json:"sessionId"`
	Files     map[string]struct {
		ID       string `json:"id"`
		FileName string `json:"fileName"`
		Size     int64  `json:"size"`
		FileType string `json:"fileType"`
	} `json:"files"`
	Info map[string]any `json:"info"`
}

// prepare posts prepare-download and returns the status and answer.
func prepare(t *testing.T, c *http.Client, base string, q url.Values) (int, prepared, string) {
	t.Helper()
	u := base + share.PathPrepare
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	resp, err := c.Post(u, "", nil)
	if err != nil {
		t.Fatalf("prepare-download: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var p prepared
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("prepare-download answer: %v: %s", err, body)
		}
	}
	return resp.StatusCode, p, string(body)
}

// get fetches u and returns the status and the body.
func get(t *testing.T, c *http.Client, u string) (int, []byte, error) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func downloadURL(base, session, file string) string {
	return base + share.PathDownload + "?" + url.Values{"sessionId": {session}, "fileId": {file}}.Encode()
}

// files writes the shared test tree: two files and a folder.
func files(t *testing.T) (dir string, content map[string][]byte) {
	t.Helper()
	dir = t.TempDir()
	content = map[string][]byte{
		"report.pdf":            randBytes(t, 300<<10+17),
		"Photos/beach.jpg":      randBytes(t, 1<<20+3),
		"Photos/sub/notes.txt":  []byte("catatan rapat\n"),
		"Photos/Rapat 10.30.md": []byte("# agenda\n"),
	}
	for p, b := range content {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, content
}

func randBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// answerAsync answers the next waiting browser once it asks.
func answerAsync(t *testing.T, s *sharer, sh *share.Share, allow bool) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r, err := pendingRequest(s, sh, 1)
		if err != nil {
			t.Error(err)
			return
		}
		if !sh.Answer(r.ID, allow) {
			t.Errorf("Answer(%s) found nobody waiting", r.ID)
		}
	}()
	return &wg
}
