package localsend

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// raw is a hand-made LocalSend client that can break every rule.
type raw struct {
	t    *testing.T
	base string
	c    *http.Client
}

func rawClient(t *testing.T, r *rx, from string) *raw {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	tr := &http.Transport{DialContext: d.DialContext, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	t.Cleanup(tr.CloseIdleConnections)
	return &raw{t: t, base: fmt.Sprintf("https://127.0.0.1:%d", r.svc.Port()), c: &http.Client{Transport: tr}}
}

func (c *raw) do(method, path string, q url.Values, body io.Reader, hdr map[string]string) (int, []byte) {
	c.t.Helper()
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func prepareBody(files map[string]FileMeta) []byte {
	b, _ := json.Marshal(PrepareRequest{
		Info:  DeviceInfo{Alias: "Mallory", Version: "2.1", Fingerprint: "mallory-fp", Port: 53317, Protocol: "http"},
		Files: files,
	})
	return b
}

func (c *raw) prepare(files map[string]FileMeta) (int, PrepareResponse) {
	c.t.Helper()
	st, b := c.do("POST", apiV2+"prepare-upload", nil, bytes.NewReader(prepareBody(files)), nil)
	var resp PrepareResponse
	if st == 200 {
		if err := json.Unmarshal(b, &resp); err != nil {
			c.t.Fatal(err)
		}
	}
	return st, resp
}

func (c *raw) upload(resp PrepareResponse, id string, body io.Reader, hdr map[string]string) int {
	c.t.Helper()
	st, _ := c.do("POST", apiV2+"upload", url.Values{"sessionId": {resp.SessionID}, "fileId": {id}, "token": {resp.Files[id]}}, body, hdr)
	return st
}

func TestHostileNames(t *testing.T) {
	r := startRx(t, accept, nil)
	c := rawClient(t, r, "")
	outside := filepath.Dir(r.dir)
	for _, name := range []string{"../evil.txt", "/etc/evil", "a/../../evil", `..\evil`, `C:\evil`, "a//b", ".", "a\x00b", "x\u202etxt.exe", strings.Repeat("x", 300)} {
		st, _ := c.prepare(map[string]FileMeta{"1": {ID: "1", FileName: name, Size: 1, FileType: "text/plain"}})
		if st != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", name, st)
		}
	}
	for _, body := range []string{"", "{", "[]", `{"info":{},"files":{}}`, `{"info":{"alias":"x","fingerprint":"f"},"files":{"1":{"id":"1","fileName":"a","size":-1}}}`,
		`{"info":{"alias":"x","fingerprint":"f"},"files":{"1":{"id":"2","fileName":"a","size":1}}}`,
		`{"info":{"alias":"x","fingerprint":"f"},"files":{"1":{"id":"1","fileName":"a","size":1,"sha256":"zz"}}}`,
		`{"info":{"alias":"x","fingerprint":"f"},"files":{"1":{"id":"1","fileName":"a","size":"1"}}}`,
		`{"info":{"alias":"x","fingerprint":"f"},"files":{"1":{"id":"1","fileName":"a","size":1}}} trailing`,
		`{"info":{"alias":"x","fingerprint":"f","protocol":"ftp"},"files":{"1":{"id":"1","fileName":"a","size":1}}}`,
		`{"info":{"alias":"x","fingerprint":"f"},"files":{"1":{"id":"1","fileName":"a","size":1},"2":{"id":"2","fileName":"a","size":1}}}`,
	} {
		if st, _ := c.do("POST", apiV2+"prepare-upload", nil, strings.NewReader(body), nil); st != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", body, st)
		}
	}
	huge := io.MultiReader(strings.NewReader(`{"info":{"alias":"`), io.LimitReader(zeros{}, maxPrepareJSON+10))
	if st, _ := c.do("POST", apiV2+"prepare-upload", nil, huge, nil); st != http.StatusBadRequest {
		t.Errorf("oversize body: %d", st)
	}
	select {
	case req := <-r.asked:
		t.Fatalf("a bad offer reached the person: %+v", req.Offer)
	default:
	}
	if _, err := os.Stat(r.dir); !os.IsNotExist(err) {
		t.Error("a refused offer created the download folder")
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 0 {
		t.Errorf("something was written next to the inbox: %v", entries)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestHostileUploads(t *testing.T) {
	r := startRx(t, accept, func(c *Config) { c.StallTimeout = 2 * time.Second })
	c := rawClient(t, r, "")
	data := []byte("exactly twelve")
	sum := sha256.Sum256(data)
	files := map[string]FileMeta{
		"a": {ID: "a", FileName: "a.bin", Size: int64(len(data)), FileType: "application/octet-stream"},
		"b": {ID: "b", FileName: "b.bin", Size: int64(len(data)), FileType: "application/octet-stream", SHA256: str(hex.EncodeToString(sum[:]))},
	}
	st, resp := c.prepare(files)
	if st != 200 || len(resp.Files) != 2 {
		t.Fatalf("prepare: %d %+v", st, resp)
	}
	if got := <-r.asked; got.Peer.ID != "localsend:mallory-fp" || got.Peer.Name != "Mallory" || got.Code != "" {
		t.Fatalf("request peer %+v", got.Peer)
	}
	// Wrong token, wrong file, wrong session, missing parameters.
	bad := resp
	bad.Files = map[string]string{"a": "00"}
	if st := c.upload(bad, "a", bytes.NewReader(data), nil); st != http.StatusForbidden {
		t.Errorf("bad token: %d", st)
	}
	unknown := resp
	unknown.Files = map[string]string{"zz": resp.Files["a"]}
	if st := c.upload(unknown, "zz", bytes.NewReader(data), nil); st != http.StatusForbidden {
		t.Errorf("unknown file: %d", st)
	}
	other := resp
	other.SessionID = "not-it"
	if st := c.upload(other, "a", bytes.NewReader(data), nil); st != http.StatusConflict {
		t.Errorf("other session: %d", st)
	}
	if st, _ := c.do("POST", apiV2+"upload", url.Values{"sessionId": {resp.SessionID}}, nil, nil); st != http.StatusBadRequest {
		t.Errorf("missing parameters: %d", st)
	}
	// The right token from another address (127.0.0.2 is loopback too).
	if st := rawClient(t, r, "127.0.0.2").upload(resp, "a", bytes.NewReader(data), nil); st != http.StatusForbidden {
		t.Errorf("token from another address: %d", st)
	}
	if st, _ := rawClient(t, r, "127.0.0.2").do("POST", apiV2+"cancel", url.Values{"sessionId": {resp.SessionID}}, nil, nil); st != http.StatusForbidden {
		t.Errorf("cancel from another address: %d", st)
	}
	// None of that hurt the session: a good upload still works.
	if st := c.upload(resp, "b", bytes.NewReader(data), nil); st != 200 {
		t.Fatalf("good upload: %d", st)
	}
	// More bytes than announced, in a body of unknown length (so only the
	// stream tells): refused, and the session ends without the file.
	long := io.MultiReader(bytes.NewReader(data), strings.NewReader("and more"))
	if st := c.upload(resp, "a", struct{ io.Reader }{long}, nil); st != http.StatusBadRequest {
		t.Errorf("oversize upload: %d", st)
	}
	ev := r.ev.wait(t)
	if ev.State != transfer.StateFailed || !transfer.IsCode(ev.Err, errcode.TooManyBytes) || len(ev.Saved) != 1 {
		t.Fatalf("final %v %v %v", ev.State, ev.Err, ev.Saved)
	}
	waitNoPartials(t, r.dir)
	if got := contents(t, r.dir); len(got) != 1 || !bytes.Equal(got["b.bin"], data) {
		t.Fatalf("inbox %v", keys(got))
	}

	// Announced length too big or too small: each ends its session (a
	// checksum that doesn't match asks for the file again: see
	// TestChecksumMismatchAsksAgain).
	for name, tc := range map[string]struct {
		meta FileMeta
		body io.Reader
		code errcode.Code
	}{
		"content-length": {FileMeta{ID: "c", FileName: "c.bin", Size: 3}, strings.NewReader("four"), errcode.TooManyBytes},
		"short":          {FileMeta{ID: "c", FileName: "c.bin", Size: 9}, strings.NewReader("abc"), errcode.LocalSendProtocol},
	} {
		st, resp := c.prepare(map[string]FileMeta{"c": tc.meta})
		<-r.asked
		if st != 200 {
			ev := r.ev.wait(t)
			t.Fatalf("%s: prepare %d: %v %v", name, st, ev.State, ev.Err)
		}
		if st := c.upload(resp, "c", tc.body, nil); st != http.StatusBadRequest {
			t.Errorf("%s: upload %d", name, st)
		}
		if ev := r.ev.wait(t); ev.State != transfer.StateFailed || !transfer.IsCode(ev.Err, tc.code) {
			t.Errorf("%s: %v %v", name, ev.State, ev.Err)
		}
	}
	// A sender that goes quiet after the offer frees the slot.
	st, _ = c.prepare(map[string]FileMeta{"d": {ID: "d", FileName: "d.bin", Size: 3}})
	<-r.asked
	if st != 200 {
		t.Fatal(st)
	}
	if ev := r.ev.wait(t); ev.State != transfer.StateFailed || !transfer.IsCode(ev.Err, errcode.LocalSendStalled) {
		t.Fatalf("stall: %v %v", ev.State, ev.Err)
	}
	if st, _ := c.prepare(map[string]FileMeta{"e": {ID: "e", FileName: "e.bin", Size: 0}}); st != 200 {
		t.Fatalf("after a stall the slot is still taken: %d", st)
	}
	waitNoPartials(t, r.dir)
	entries, _ := os.ReadDir(filepath.Dir(r.dir))
	if len(entries) != 1 {
		t.Errorf("written next to the inbox: %v", entries)
	}
}

// TestChunkedUpload: the npm localsend sends files over 50 MB as 10 MB
// pieces with X-Content-Range; they must join into one verified file, in
// order only.
func TestChunkedUpload(t *testing.T) {
	r := startRx(t, accept, nil)
	c := rawClient(t, r, "")
	data := randBytes(t, 1000)
	sum := sha256.Sum256(data)
	st, resp := c.prepare(map[string]FileMeta{"f": {ID: "f", FileName: "big.bin", Size: 1000, SHA256: str(hex.EncodeToString(sum[:]))}})
	<-r.asked
	if st != 200 {
		t.Fatal(st)
	}
	for _, p := range [][2]int{{0, 399}, {400, 799}, {800, 999}} {
		h := map[string]string{"X-Content-Range": fmt.Sprintf("bytes %d-%d/1000", p[0], p[1])}
		if st := c.upload(resp, "f", bytes.NewReader(data[p[0]:p[1]+1]), h); st != 200 {
			t.Fatalf("piece %v: %d", p, st)
		}
	}
	if ev := r.ev.wait(t); ev.State != transfer.StateDone || ev.Done != 1000 {
		t.Fatalf("%v %v %d", ev.State, ev.Err, ev.Done)
	}
	if got := contents(t, r.dir)["big.bin"]; !bytes.Equal(got, data) {
		t.Fatal("joined file differs")
	}
	// Out of order, and a range that lies about the file: refused.
	for name, ranges := range map[string][]string{
		"gap":        {"bytes 0-99/1000", "bytes 200-299/1000"},
		"total":      {"bytes 0-99/2000"},
		"backwards":  {"bytes 99-0/1000"},
		"malformed":  {"bytes=0-99/1000"},
		"past end":   {"bytes 0-1000/1000"},
		"long piece": {"bytes 0-9/1000!"},
	} {
		st, resp := c.prepare(map[string]FileMeta{"f": {ID: "f", FileName: "g.bin", Size: 1000}})
		<-r.asked
		if st != 200 {
			t.Fatal(st)
		}
		var last int
		for _, rg := range ranges {
			var a, b int
			fmt.Sscanf(strings.TrimPrefix(rg, "bytes "), "%d-%d", &a, &b)
			n := max(b-a+1, 1)
			last = c.upload(resp, "f", bytes.NewReader(make([]byte, n)), map[string]string{"X-Content-Range": rg})
		}
		if last != http.StatusBadRequest {
			t.Errorf("%s: %d", name, last)
		}
		if ev := r.ev.wait(t); ev.State != transfer.StateFailed {
			t.Errorf("%s: %v", name, ev.State)
		}
	}
	waitNoPartials(t, r.dir)
	if got := contents(t, r.dir); len(got) != 1 {
		t.Fatalf("inbox %v", keys(got))
	}
}

func TestInfoRegisterV1(t *testing.T) {
	var seen []Device
	r := startRx(t, accept, func(c *Config) { c.OnDevice = func(d Device) { seen = append(seen, d) } })
	c := rawClient(t, r, "")
	st, b := c.do("GET", apiV2+"info", nil, nil, nil)
	var me DeviceInfo
	if st != 200 || json.Unmarshal(b, &me) != nil || me.Alias != "Receiver" || me.Fingerprint != strings.ToUpper(r.svc.cfg.Identity.ID) || me.Protocol != "https" || me.Port != r.svc.Port() || deref(me.DeviceType) != "desktop" || me.Version != "2.2" {
		t.Fatalf("info %d %s", st, b)
	}
	st, b = c.do("POST", apiV2+"register", nil, strings.NewReader(`{"alias":"Ayu","version":"2.1","deviceModel":"Samsung","deviceType":"mobile","fingerprint":"ayu-fp","port":53317,"protocol":"https"}`), nil)
	if st != 200 || !strings.Contains(string(b), `"alias":"Receiver"`) {
		t.Fatalf("register %d %s", st, b)
	}
	if len(seen) != 1 || seen[0].ID != "localsend:ayu-fp" || seen[0].Alias != "Ayu" || seen[0].OS() != "android" || seen[0].Addr.String() != "127.0.0.1:53317" {
		t.Fatalf("seen %+v", seen)
	}
	if d, ok := r.svc.Device("localsend:ayu-fp"); !ok || d.Protocol != "https" {
		t.Fatalf("device %+v", d)
	}
	for _, junk := range []string{`{"alias":"","fingerprint":"x","port":1}`, `{"alias":"x","fingerprint":"has space","port":1}`, `{"alias":"x","fingerprint":"x","port":70000}`, `null`, `"str"`} {
		if st, _ := c.do("POST", apiV2+"register", nil, strings.NewReader(junk), nil); st != 400 {
			t.Errorf("%s: %d", junk, st)
		}
	}
	// v1: send-request answers a bare file→token map, send takes it.
	body := `{"info":{"alias":"Old","deviceModel":null,"deviceType":"mobile","fingerprint":"old"},"files":{"x":{"id":"x","fileName":"old.txt","size":2,"fileType":"text"}}}`
	st, b = c.do("POST", apiV1+"send-request", nil, strings.NewReader(body), nil)
	<-r.asked
	var tokens map[string]string
	if st != 200 || json.Unmarshal(b, &tokens) != nil || tokens["x"] == "" {
		t.Fatalf("send-request %d %s", st, b)
	}
	if st, _ := c.do("POST", apiV1+"send", url.Values{"fileId": {"x"}, "token": {tokens["x"]}}, strings.NewReader("hi"), nil); st != 200 {
		t.Fatalf("v1 send %d", st)
	}
	if ev := r.ev.wait(t); ev.State != transfer.StateDone || !bytes.Equal(contents(t, r.dir)["old.txt"], []byte("hi")) {
		t.Fatalf("v1 %v %v", ev.State, ev.Err)
	}
	st, _ = c.do("GET", apiV1+"info", nil, nil, nil)
	if st != 200 {
		t.Fatalf("v1 info %d", st)
	}
}

func TestPlainHTTP(t *testing.T) {
	on := startRx(t, accept, func(c *Config) { c.AllowHTTP = true })
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%sinfo", on.svc.Port(), apiV2))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("http allowed: %v", err)
	}
	resp.Body.Close()
	off := startRx(t, accept, nil)
	resp, err = http.Get(fmt.Sprintf("http://127.0.0.1:%d%sinfo", off.svc.Port(), apiV2))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP served although not allowed")
		}
	}
	// A sender that doesn't know the protocol falls back to HTTP.
	src, _ := transfer.TextSource("hi")
	to := on.device()
	to.Protocol, to.Fingerprint = "", ""
	o := sendOpts(t, to, newEvents())
	if _, err := Send(context.Background(), o, []transfer.Source{src}); err != nil {
		t.Fatal(err)
	}
	on.ev.wait(t)
}

func TestJunkDatagrams(t *testing.T) {
	var seen []Device
	id, _ := transfer.NewEphemeralIdentity()
	s := New(Config{Identity: id, Alias: func() string { return "me" }, OnDevice: func(d Device) { seen = append(seen, d) }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	answering := make(chan struct{}) // unbuffered and never drained: no answer may start
	for _, junk := range []string{"", "\x00\xff", "{", `{"alias":1}`, `[1,2]`, `{"alias":"x","fingerprint":"","port":1}`,
		`{"alias":"x","fingerprint":"f","port":-1}`, strings.Repeat("[", 10000), `{"alias":"\u0000\u202e","fingerprint":"f","port":5}`,
		`{"alias":"me","fingerprint":"` + strings.ToUpper(id.ID) + `","port":5,"announce":true}`} {
		s.onDatagram(ctx, nil, []byte(junk), netipAddr("10.0.0.9"), answering, nil)
	}
	if len(seen) != 0 {
		t.Fatalf("junk made devices: %+v", seen)
	}
	s.onDatagram(ctx, nil, []byte(`{"alias":" Ayu\u200b ","fingerprint":"F","port":53317,"announcement":false}`), netipAddr("10.0.0.9"), answering, nil)
	if len(seen) != 1 || seen[0].Alias != "Ayu" || seen[0].Protocol != "https" {
		t.Fatalf("%+v", seen)
	}
}

// A sender that gives up while the person is still deciding POSTs /cancel
// without a session ID (it has none yet): the offer is withdrawn, the
// dialog closes, and the slot is free for the next offer.
func TestCancelWithoutSessionWithdrawsOffer(t *testing.T) {
	asked, gone := make(chan struct{}, 1), make(chan error, 1)
	r := startRx(t, accept, func(c *Config) {
		c.Acceptor = transfer.AcceptorFunc(func(ctx context.Context, _ *transfer.Request) transfer.Answer {
			asked <- struct{}{}
			<-ctx.Done()
			gone <- ctx.Err()
			return transfer.Answer{}
		})
	})
	c := rawClient(t, r, "")
	prepared := make(chan int, 1)
	go func() {
		st, _ := c.prepare(map[string]FileMeta{"1": {ID: "1", FileName: "a.txt", Size: 1, FileType: "text/plain"}})
		prepared <- st
	}()
	select {
	case <-asked:
	case <-time.After(10 * time.Second):
		t.Fatal("the offer never reached the person")
	}
	// From another address it withdraws nothing.
	if st, _ := rawClient(t, r, "127.0.0.2").do("POST", apiV2+"cancel", nil, nil, nil); st != http.StatusOK {
		t.Fatalf("cancel from elsewhere: %d", st)
	}
	select {
	case <-gone:
		t.Fatal("a cancel from another address withdrew the offer")
	default:
	}
	if st, _ := c.do("POST", apiV2+"cancel", nil, nil, nil); st != http.StatusOK {
		t.Fatalf("cancel: status %d", st)
	}
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("the person is still asked about a withdrawn offer")
	}
	ev := r.ev.wait(t)
	if ev.State != transfer.StateCancelled || !transfer.IsCode(ev.Err, errcode.PeerCancelled) {
		t.Fatalf("final %v %v", ev.State, ev.Err)
	}
	if st := <-prepared; st == http.StatusOK {
		t.Fatal("the withdrawn offer was answered with tokens")
	}
}

// The person here cancels an upload: the sender's own server hears a
// /cancel for the session, as the official apps send it, so the phone
// stops and says the receiver cancelled.
func TestCancelHereTellsSender(t *testing.T) {
	r, c, resp, cancels := acceptedFromPhone(t)
	if !r.svc.Cancel(resp.SessionID) {
		t.Fatal("Cancel found no session")
	}
	select {
	case id := <-cancels:
		if id != resp.SessionID {
			t.Fatalf("the sender was told to cancel %q, not %q", id, resp.SessionID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sender was not told")
	}
	if ev := r.ev.wait(t); ev.State != transfer.StateCancelled || !transfer.IsCode(ev.Err, errcode.Cancelled) {
		t.Fatalf("final %v %v", ev.State, ev.Err)
	}
	if st := c.upload(resp, "1", strings.NewReader("0123456789"), nil); st == http.StatusOK {
		t.Fatal("an upload after the cancel was taken")
	}
}

// The device here quits with an upload accepted: the sender's own server
// hears a /cancel for the session before Serve returns, so a phone doesn't
// retry a device that is gone.
func TestQuitTellsSender(t *testing.T) {
	r, _, resp, cancels := acceptedFromPhone(t)
	start := time.Now()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not return within 3 s")
	}
	t.Logf("Serve returned %v after the quit", time.Since(start).Round(time.Millisecond))
	select {
	case id := <-cancels:
		if id != resp.SessionID {
			t.Fatalf("the sender was told to cancel %q, not %q", id, resp.SessionID)
		}
	default:
		t.Fatal("Serve returned before the sender was told")
	}
	if ev := r.ev.wait(t); ev.State != transfer.StateCancelled {
		t.Fatalf("final %v %v", ev.State, ev.Err)
	}
}

// acceptedFromPhone is an upload accepted from a "phone" whose own server
// records the /cancel session IDs it hears.
func acceptedFromPhone(t *testing.T) (*rx, *raw, PrepareResponse, chan string) {
	t.Helper()
	cancels := make(chan string, 4)
	back := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == apiV2+"cancel" {
			cancels <- r.URL.Query().Get("sessionId")
		}
	}))
	t.Cleanup(back.Close)
	port := netip.MustParseAddrPort(back.Listener.Addr().String()).Port()
	r := startRx(t, accept, nil)
	c := rawClient(t, r, "")
	body, _ := json.Marshal(PrepareRequest{
		Info:  DeviceInfo{Alias: "Phone", Version: "2.1", Fingerprint: "phone-fp", Port: int(port), Protocol: "http"},
		Files: map[string]FileMeta{"1": {ID: "1", FileName: "a.bin", Size: 10}},
	})
	st, b := c.do("POST", apiV2+"prepare-upload", nil, bytes.NewReader(body), nil)
	var resp PrepareResponse
	if st != http.StatusOK || json.Unmarshal(b, &resp) != nil || resp.SessionID == "" {
		t.Fatalf("prepare-upload: %d %s", st, b)
	}
	return r, c, resp, cancels
}
