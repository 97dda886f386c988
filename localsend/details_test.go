package localsend

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/transfer"
)

// isJSONError reports whether an answer is LocalSend's error form.
func isJSONError(b []byte) bool {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil || len(m) != 1 {
		return false
	}
	s, ok := m["message"].(string)
	return ok && s != ""
}

// TestErrorsAreJSON: every error, the mux's own included (unknown route,
// wrong method), answers {"message": "..."} as LocalSend apps read it.
func TestErrorsAreJSON(t *testing.T) {
	r := startRx(t, accept, nil)
	c := rawClient(t, r, "")
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", apiV2 + "nope", 404},
		{"GET", "/favicon.ico", 404},
		{"GET", apiV2 + "prepare-upload", 405},
		{"DELETE", apiV1 + "info", 405},
		{"POST", apiV2 + "upload", 400},
		{"POST", apiV2 + "prepare-upload", 400},
	} {
		req, _ := http.NewRequest(tc.method, c.base+tc.path, strings.NewReader("{"))
		resp, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/json" || !isJSONError(b.Bytes()) {
			t.Errorf("%s %s: %d %q %s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), b.Bytes())
		}
		if tc.status == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tc.method, tc.path)
		}
	}
}

// TestV1Details: v1 /info carries what LocalSend 1.17 records; over plain
// HTTP it says "http"; a v1 send-request takes a PIN; a v1 text message is
// a text, answered with an empty file map.
func TestV1Details(t *testing.T) {
	r := startRx(t, accept, func(c *Config) {
		c.AllowHTTP = true
		c.PIN = func() string { return "1357" }
	})
	c := rawClient(t, r, "")
	for _, base := range []string{c.base, fmt.Sprintf("http://127.0.0.1:%d", r.svc.Port())} {
		resp, err := c.c.Get(base + apiV1 + "info")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		want := "https"
		if strings.HasPrefix(base, "http:") {
			want = "http"
		}
		if m["alias"] != "Receiver" || m["fingerprint"] != strings.ToUpper(r.svc.cfg.Identity.ID) || m["protocol"] != want ||
			m["port"] != float64(r.svc.Port()) || m["download"] != false || m["deviceType"] != "desktop" || m["deviceModel"] == nil || m["version"] != Version {
			t.Errorf("%s v1 info: %v", base, m)
		}
	}

	text := "Rapat jam 10:30 di ruang 2 ✓"
	body := fmt.Sprintf(`{"info":{"alias":"Old Phone","deviceModel":"Samsung","deviceType":"mobile","fingerprint":"old-token"},"files":{"m":{"id":"m","fileName":"m.txt","size":%d,"fileType":"text","preview":%q}}}`, len(text), text)
	for _, pin := range []string{"", "0000"} {
		q := url.Values{}
		if pin != "" {
			q.Set("pin", pin)
		}
		if st, b := c.do("POST", apiV1+"send-request", q, strings.NewReader(body), nil); st != 401 || !isJSONError(b) {
			t.Errorf("v1 with PIN %q: %d %s", pin, st, b)
		}
	}
	st, b := c.do("POST", apiV1+"send-request", url.Values{"pin": {"1357"}}, strings.NewReader(body), nil)
	if st != 200 || strings.TrimSpace(string(b)) != "{}" {
		t.Fatalf("v1 message with the right PIN: %d %s", st, b)
	}
	req := <-r.asked
	if len(req.Offer.Items) != 1 || req.Offer.Items[0].Kind != transfer.KindText {
		t.Fatalf("asked about %+v", req.Offer.Items)
	}
	if ev := r.ev.wait(t); ev.State != transfer.StateDone || len(ev.Texts) != 1 || ev.Texts[0] != text {
		t.Fatalf("v1 message: %v %q", ev.State, ev.Texts)
	}
	if n := len(contents(t, r.dir)); n != 0 {
		t.Fatalf("a message wrote %d files", n)
	}
}

// TestTextUpToOneMiB: a message of 1 MiB arrives as a text; one byte more
// is refused before anyone is asked.
func TestTextUpToOneMiB(t *testing.T) {
	r := startRx(t, accept, nil)
	c := rawClient(t, r, "")
	text := strings.Repeat("é", maxText/2) // 2 bytes each: exactly 1 MiB
	msg := func(s string) map[string]FileMeta {
		return map[string]FileMeta{"t": {ID: "t", FileName: "t.txt", Size: int64(len(s)), FileType: "text/plain", Preview: &s}}
	}
	if st, _ := c.prepare(msg(text)); st != http.StatusNoContent {
		t.Fatalf("1 MiB message: %d", st)
	}
	<-r.asked
	if ev := r.ev.wait(t); ev.State != transfer.StateDone || len(ev.Texts) != 1 || ev.Texts[0] != text {
		t.Fatalf("1 MiB message: %v, %d texts", ev.State, len(ev.Texts))
	}
	if st, _ := c.prepare(msg(text + "x")); st != http.StatusBadRequest {
		t.Fatalf("1 MiB + 1 message: %d", st)
	}
	select {
	case req := <-r.asked:
		t.Fatalf("an oversize message reached the person: %d items", len(req.Offer.Items))
	default:
	}
}

// TestChecksumMismatchAsksAgain: an upload whose sha256 doesn't match is
// answered 422 and nothing of it is kept; the same file sent again
// completes the session. A file that fails maxBadUploads times fails it.
func TestChecksumMismatchAsksAgain(t *testing.T) {
	r := startRx(t, accept, nil)
	c := rawClient(t, r, "")
	data := []byte("the right bytes")
	sum := sha256.Sum256(data)
	meta := map[string]FileMeta{"f": {ID: "f", FileName: "f.bin", Size: int64(len(data)), FileType: "application/octet-stream", SHA256: str(hex.EncodeToString(sum[:]))}}
	damaged := []byte("the wrong bytes")

	st, resp := c.prepare(meta)
	<-r.asked
	if st != 200 {
		t.Fatal(st)
	}
	if st := c.upload(resp, "f", bytes.NewReader(damaged), nil); st != http.StatusUnprocessableEntity {
		t.Fatalf("damaged upload: %d", st)
	}
	waitNoPartials(t, r.dir)
	if st := c.upload(resp, "f", bytes.NewReader(data), nil); st != 200 {
		t.Fatalf("the file again: %d", st)
	}
	ev := r.ev.wait(t)
	if ev.State != transfer.StateDone || ev.Done != int64(len(data)) || !bytes.Equal(contents(t, r.dir)["f.bin"], data) {
		t.Fatalf("after a retry: %v %v done %d", ev.State, ev.Err, ev.Done)
	}

	st, resp = c.prepare(meta)
	<-r.asked
	if st != 200 {
		t.Fatal(st)
	}
	for i := 1; i <= maxBadUploads; i++ {
		if st := c.upload(resp, "f", bytes.NewReader(damaged), nil); st != http.StatusUnprocessableEntity {
			t.Fatalf("damaged upload %d: %d", i, st)
		}
	}
	if ev := r.ev.wait(t); ev.State != transfer.StateFailed || !transfer.IsCode(ev.Err, errcode.DigestMismatch) {
		t.Fatalf("after %d damaged uploads: %v %v", maxBadUploads, ev.State, ev.Err)
	}
	waitNoPartials(t, r.dir)
	if got := contents(t, r.dir); len(got) != 1 {
		t.Fatalf("inbox %v", keys(got))
	}
}

// TestSendRetriesOn422: Lempar's sender uploads a file again when the
// receiver answers 422 (its progress doesn't count the bytes twice), and
// gives up after maxBadUploads tries with a damaged-file error.
func TestSendRetriesOn422(t *testing.T) {
	for _, bad := range []int32{1, maxBadUploads} {
		var uploads atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case apiV2 + "prepare-upload":
				reply(w, 200, PrepareResponse{SessionID: "s", Files: map[string]string{"f0": "tok"}})
			case apiV2 + "upload":
				var b bytes.Buffer
				_, _ = b.ReadFrom(r.Body)
				if uploads.Add(1) <= bad {
					fail(w, http.StatusUnprocessableEntity, "Checksum mismatch")
					return
				}
				w.WriteHeader(200)
			default:
				reply(w, 200, nil)
			}
		}))
		addr := netip.MustParseAddrPort(srv.Listener.Addr().String())
		dir := t.TempDir()
		tree(t, dir, map[string][]byte{"data.bin": randBytes(t, 100_000)})
		srcs, err := transfer.CollectSources([]string{filepath.Join(dir, "data.bin")})
		if err != nil {
			t.Fatal(err)
		}
		ev := newEvents()
		o := sendOpts(t, Device{Alias: "Stand-in", Addr: addr, Protocol: "http"}, ev)
		last, err := Send(context.Background(), o, srcs)
		srv.Close()
		switch bad {
		case 1:
			if err != nil || uploads.Load() != 2 || last.Done != last.Total || last.FilesDone != 1 {
				t.Fatalf("one 422: %v, %d uploads, done %d of %d", err, uploads.Load(), last.Done, last.Total)
			}
		default:
			msg := i18n.Describe(i18n.Load("en"), err)
			if !transfer.IsCode(err, errcode.DigestMismatch) || uploads.Load() != maxBadUploads || !strings.Contains(msg, "damaged 3 times") {
				t.Logf("message: %s", msg)
				t.Fatalf("always 422: %v after %d uploads", err, uploads.Load())
			}
		}
	}
}

// TestOneEntryPerDevice: a device heard over HTTPS and then over HTTP
// (same fingerprint, same address) is listed once, as HTTPS; heard over
// HTTP first, HTTPS replaces it.
func TestOneEntryPerDevice(t *testing.T) {
	r := startRx(t, accept, nil)
	c := rawClient(t, r, "")
	reg := func(fp, proto string) {
		t.Helper()
		body := fmt.Sprintf(`{"alias":"Ayu","version":"2.1","deviceType":"mobile","fingerprint":%q,"port":53317,"protocol":%q}`, fp, proto)
		if st, b := c.do("POST", apiV2+"register", nil, strings.NewReader(body), nil); st != 200 {
			t.Fatalf("register: %d %s", st, b)
		}
	}
	reg("ayu-token", "https")
	reg("ayu-token", "http")
	if d, ok := r.svc.Device("localsend:ayu-token"); !ok || d.Protocol != "https" || len(r.svc.Devices()) != 1 {
		t.Fatalf("after https then http: %+v, %d listed", d, len(r.svc.Devices()))
	}
	reg("budi-token", "http")
	reg("budi-token", "https")
	if d, ok := r.svc.Device("localsend:budi-token"); !ok || d.Protocol != "https" || len(r.svc.Devices()) != 2 {
		t.Fatalf("after http then https: %+v, %d listed", d, len(r.svc.Devices()))
	}
}

// TestOfferSenderListedOnlyWhenConfirmed: the info of a prepare-upload
// lists its sender only when /info at the address and port it names
// answers as that device: not a sender-only client (nothing at its port),
// not another device's /info, and over HTTPS only the certificate proven
// there.
func TestOfferSenderListedOnlyWhenConfirmed(t *testing.T) {
	r := startRx(t, accept, nil)
	c := rawClient(t, r, "")
	infoAt := func(fp string) (int, func()) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, q *http.Request) {
			reply(w, 200, DeviceInfo{Alias: "Ayu", Fingerprint: fp, Port: 1, Protocol: "http"})
		}))
		return srv.Listener.Addr().(*net.TCPAddr).Port, srv.Close
	}
	closedPort := func() int {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		return p
	}
	offer := func(fp string, port int) {
		t.Helper()
		hi := "hi"
		b, _ := json.Marshal(PrepareRequest{
			Info:  DeviceInfo{Alias: "Ayu", Version: "2.1", Fingerprint: fp, Port: port, Protocol: "http"},
			Files: map[string]FileMeta{"m": {ID: "m", FileName: "m.txt", Size: 2, FileType: "text/plain", Preview: &hi}},
		})
		if st, _ := c.do("POST", apiV2+"prepare-upload", nil, bytes.NewReader(b), nil); st != http.StatusNoContent {
			t.Fatalf("offer: %d", st)
		}
		<-r.asked
		r.ev.wait(t)
		r.svc.confirming.Wait()
	}
	offer("nobody-home", closedPort())
	port, stop := infoAt("someone-else")
	offer("not-me", port)
	stop()
	if n := len(r.svc.Devices()); n != 0 {
		t.Fatalf("unconfirmed senders listed: %+v", r.svc.Devices())
	}
	port, stop = infoAt("ayu-token")
	defer stop()
	offer("ayu-token", port)
	if d, ok := r.svc.Device("localsend:ayu-token"); !ok || d.Protocol != "http" || d.Addr.Port() != uint16(port) || d.Proven {
		t.Fatalf("confirmed HTTP sender: %+v %v", d, ok)
	}

	// HTTPS: a client certificate proves who sends, not that its port
	// serves; a Lempar sender that names no server is not listed, one
	// whose port shows its certificate is, as proven.
	other := startRx(t, accept, nil)
	src, _ := transfer.TextSource("halo")
	for _, serves := range []bool{false, true} {
		o := sendOpts(t, r.device(), newEvents())
		o.Identity = other.svc.cfg.Identity
		o.Self.Fingerprint, o.Self.Port = ourFingerprint(o.Identity.ID), closedPort()
		if serves {
			o.Self.Port = other.svc.Port()
		}
		if _, err := Send(context.Background(), o, []transfer.Source{src}); err != nil {
			t.Fatal(err)
		}
		<-r.asked
		r.ev.wait(t)
		r.svc.confirming.Wait()
		d, ok := r.svc.Device(PeerID(o.Identity.ID))
		if ok != serves || (serves && (!d.Proven || d.Protocol != "https" || int(d.Addr.Port()) != other.svc.Port())) {
			t.Fatalf("HTTPS sender (serving %v): listed %v as %+v", serves, ok, d)
		}
	}
}

// TestV1MessageSlowAndNoAnswer: a v1 message waits for its person as long
// as any offer: an answer just before the limit takes it (an empty file
// map), no answer lets it expire with a JSON 403, and no text is kept.
func TestV1MessageSlowAndNoAnswer(t *testing.T) {
	const limit = 2 * time.Second
	r := startRx(t, nil, func(c *Config) { c.OfferTimeout = limit })
	c := rawClient(t, r, "")
	body := `{"info":{"alias":"Old Phone","deviceType":"mobile","fingerprint":"old-token"},"files":{"m":{"id":"m","fileName":"m.txt","size":5,"fileType":"text","preview":"halo!"}}}`
	for _, slow := range []bool{true, false} {
		r.answer = func(req *transfer.Request) transfer.Answer {
			if !slow {
				<-time.After(time.Until(req.Expires) + time.Second) // nobody answers in time
				return transfer.Answer{Accept: true}
			}
			<-time.After(time.Until(req.Expires) - limit/4) // near the limit
			return transfer.Answer{Accept: true}
		}
		st, b := c.do("POST", apiV1+"send-request", nil, strings.NewReader(body), nil)
		<-r.asked
		ev := r.ev.wait(t)
		switch {
		case slow && (st != 200 || strings.TrimSpace(string(b)) != "{}" || ev.State != transfer.StateDone || len(ev.Texts) != 1):
			t.Fatalf("slow answer: %d %s, %v %q", st, b, ev.State, ev.Texts)
		case !slow && (st != 403 || !isJSONError(b) || !transfer.IsCode(ev.Err, errcode.OfferExpired) || len(ev.Texts) != 0):
			t.Fatalf("no answer: %d %s, %v %v", st, b, ev.State, ev.Err)
		}
	}
}

// TestAnswerGapPerAnnouncer: the answer gap is per announcer, address and
// fingerprint: a second LocalSend app on an address that announced a
// moment ago (localsend's discover beside its receiver, as in the interop
// test) is answered; the same announcer again is not; a flood of made-up
// fingerprints fills a bounded table and then gets no answers.
func TestAnswerGapPerAnnouncer(t *testing.T) {
	s := New(Config{})
	ip := netip.MustParseAddr("10.0.0.7")
	if !s.mayAnswer(announcer{ip, "receiver"}) || s.mayAnswer(announcer{ip, "receiver"}) {
		t.Fatal("the same announcer within the gap")
	}
	if !s.mayAnswer(announcer{ip, "scanner"}) {
		t.Fatal("another app on the same address was not answered")
	}
	for i := 0; len(s.answered) < maxAnnouncers; i++ {
		s.mayAnswer(announcer{ip, fmt.Sprintf("forged-%d", i)})
	}
	if s.mayAnswer(announcer{ip, "one-more"}) || len(s.answered) > maxAnnouncers {
		t.Fatalf("a full table answered, or grew to %d", len(s.answered))
	}
}
