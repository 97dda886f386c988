package share_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/browsertest"
	"github.com/lempar/lempar/share"
)

// A LocalSend-app style client over HTTPS: prepare-download waits for the
// person's consent, then every file and the zip arrive byte-identical.
func TestLocalSendClientDownloads(t *testing.T) {
	s := startSharer(t)
	dir, content := files(t)
	sh := s.start(t, share.Options{Paths: []string{filepath.Join(dir, "report.pdf"), filepath.Join(dir, "Photos")}})
	c := client("")
	wg := answerAsync(t, s, sh, true)
	st, p, body := prepare(t, c, s.https, nil)
	wg.Wait()
	if st != http.StatusOK {
		t.Fatalf("prepare-download: %d %s", st, body)
	}
	if p.SessionID == "" || p.Info["alias"] != "Laptop" || p.Info["fingerprint"] == "" || p.Info["download"] != true {
		t.Fatalf("answer lacks session or info: %+v", p)
	}
	if len(p.Files) != len(content) {
		t.Fatalf("%d files listed, want %d", len(p.Files), len(content))
	}
	for id, f := range p.Files {
		want, ok := content[strings.TrimPrefix(f.FileName, "")]
		if !ok || id != f.ID || f.Size != int64(len(want)) {
			t.Fatalf("listed %q (%d bytes, id %s/%s): not a shared file", f.FileName, f.Size, id, f.ID)
		}
		st, got, err := get(t, c, downloadURL(s.https, p.SessionID, id))
		if err != nil || st != http.StatusOK || !bytes.Equal(got, want) {
			t.Fatalf("download %s: %d %v, %d bytes (want %d, identical)", f.FileName, st, err, len(got), len(want))
		}
	}
	st, z, err := get(t, c, s.https+share.PathZip+"?sessionId="+url.QueryEscape(p.SessionID))
	if err != nil || st != http.StatusOK {
		t.Fatalf("zip: %d %v", st, err)
	}
	browsertest.CheckZip(t, z, content)
	if r := sh.Requests(); len(r) != 1 || !r[0].Allowed || r[0].Files != len(content)+1 {
		t.Fatalf("window's list: %+v, want one allowed browser with %d downloads", r, len(content)+1)
	}
	// LocalSend's /info says the download API is on while sharing, off after.
	for _, want := range []bool{true, false} {
		st, b, err := get(t, c, s.https+"/api/localsend/v2/info")
		if err != nil || st != http.StatusOK || !strings.Contains(string(b), fmt.Sprintf(`"download":%v`, want)) {
			t.Fatalf("/info while sharing=%v: %d %v %s", want, st, err, b)
		}
		s.srv.Stop()
	}
}

// Declined, unanswered, or never asked: nothing is served, and the
// request leaves the window's list.
func TestWithoutConsentNothingServed(t *testing.T) {
	s := startSharer(t)
	dir, _ := files(t)
	sh := s.start(t, share.Options{Paths: []string{dir}, ConsentTimeout: 1500 * time.Millisecond})
	c := client("")
	ids := []string{}
	for _, f := range sh.Files() {
		ids = append(ids, f.ID)
	}

	wg := answerAsync(t, s, sh, false)
	st, _, body := prepare(t, c, s.http, nil)
	wg.Wait()
	if st != http.StatusForbidden || !strings.Contains(body, "rejected") {
		t.Fatalf("declined: %d %s, want 403 rejected", st, body)
	}

	start := time.Now()
	st, _, body = prepare(t, c, s.http, nil) // nobody answers
	if took := time.Since(start); st != http.StatusForbidden || !strings.Contains(body, "time") || took < time.Second {
		t.Fatalf("unanswered: %d %s after %v, want 403 after the 1.5 s timeout", st, body, took)
	}
	if r := sh.Requests(); len(r) != 0 {
		t.Fatalf("answered or expired requests still listed: %+v", r)
	}
	// Made-up and missing sessions get no file and no zip, whatever the file ID.
	for _, sess := range []string{"", "00000000-0000-4000-8000-000000000000", strings.Repeat("a", 5000)} {
		for _, u := range []string{downloadURL(s.http, sess, ids[0]), s.http + share.PathZip + "?sessionId=" + sess} {
			st, b, _ := get(t, c, u)
			if st != http.StatusForbidden || len(b) > 200 {
				t.Fatalf("GET %.80s without consent: %d, %d bytes", u, st, len(b))
			}
		}
	}
}

// The person answers just before the limit: the browser still gets the
// files.
func TestSlowConsent(t *testing.T) {
	s := startSharer(t)
	dir, content := files(t)
	const limit = 3 * time.Second
	sh := s.start(t, share.Options{Paths: []string{dir}, ConsentTimeout: limit})
	done := make(chan struct{})
	go func() {
		defer close(done)
		r, err := pendingRequest(s, sh, 1)
		if err != nil {
			t.Error(err)
			return
		}
		time.Sleep(time.Until(r.Since.Add(limit * 8 / 10))) // the person takes 80% of the limit
		sh.Answer(r.ID, true)
	}()
	st, p, body := prepare(t, client(""), s.http, nil)
	<-done
	if st != http.StatusOK || len(p.Files) != len(content) {
		t.Fatalf("answered at 80%% of the limit: %d %s", st, body)
	}
}
