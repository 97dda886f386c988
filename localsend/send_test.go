package localsend

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/testproc"
	"github.com/lempar/lempar/savedir"
	"github.com/lempar/lempar/transfer"
)

func TestSendFilesAndFolder(t *testing.T) {
	r := startRx(t, accept, nil)
	src := t.TempDir()
	want := map[string][]byte{
		"a.bin":                    randBytes(t, 3<<20+17),
		"empty.txt":                {},
		"Foto/liburan/pantai.jpg":  randBytes(t, 200_000),
		"Foto/liburan/dalam/x.bin": randBytes(t, 1),
		"Foto/catatan harian.txt":  []byte("halo dunia\n"),
	}
	tree(t, src, want)
	srcs, err := transfer.CollectSources([]string{filepath.Join(src, "a.bin"), filepath.Join(src, "empty.txt"), filepath.Join(src, "Foto")})
	if err != nil {
		t.Fatal(err)
	}
	sev := newEvents()
	o := sendOpts(t, r.device(), sev)
	o.Parallel = 2
	ev, err := Send(context.Background(), o, srcs)
	if err != nil || ev.State != transfer.StateDone {
		t.Fatalf("send: %v %v", ev.State, err)
	}
	if ev.Files != 5 || ev.FilesDone != 5 || ev.Done != ev.Total || ev.Peer.ID != r.device().ID {
		t.Fatalf("sender's final event %+v", ev)
	}
	got := r.ev.wait(t)
	if got.State != transfer.StateDone || got.FilesDone != 5 || len(got.Saved) != 5 || got.Direction != transfer.Incoming || got.Dir != r.dir {
		t.Fatalf("receiver's final event %+v", got)
	}
	if !strings.HasPrefix(got.Peer.ID, IDPrefix) || got.Peer.ID != PeerID(o.Identity.ID) || got.Peer.Name != "Sender" {
		t.Fatalf("receiver saw peer %+v (the client certificate should name it)", got.Peer)
	}
	req := <-r.asked
	if len(req.Offer.Items) != 5 || req.Offer.Total() != got.Total || req.Peer.ID != got.Peer.ID {
		t.Fatalf("request %+v", req)
	}
	sameTree(t, contents(t, r.dir), want)

	// The same again: nothing is overwritten, copies get " (1)".
	if _, err := Send(context.Background(), o, srcs[:1]); err != nil {
		t.Fatal(err)
	}
	r.ev.wait(t)
	if b := contents(t, r.dir)["a (1).bin"]; len(b) != len(want["a.bin"]) {
		t.Fatalf("second copy: %d bytes", len(b))
	}
}

func TestSendText(t *testing.T) {
	r := startRx(t, accept, nil)
	src, _ := transfer.TextSource("Halo, apa kabar? 👋")
	ev, err := Send(context.Background(), sendOpts(t, r.device(), newEvents()), []transfer.Source{src})
	if err != nil || ev.State != transfer.StateDone {
		t.Fatalf("%v %v", ev.State, err)
	}
	got := r.ev.wait(t)
	if got.State != transfer.StateDone || len(got.Texts) != 1 || got.Texts[0] != src.Text || got.Files != 0 {
		t.Fatalf("receiver %+v", got)
	}
	if req := <-r.asked; req.Offer.Items[0].Kind != transfer.KindText || req.Offer.Items[0].Text != src.Text {
		t.Fatalf("offer %+v", req.Offer.Items)
	}
	if n := len(contents(t, r.dir)); n != 0 {
		t.Fatalf("a message wrote %d files", n)
	}
}

func TestDecline(t *testing.T) {
	r := startRx(t, decline, nil)
	src := t.TempDir()
	tree(t, src, map[string][]byte{"x": []byte("x")})
	srcs, _ := transfer.CollectSources([]string{filepath.Join(src, "x")})
	ev, err := Send(context.Background(), sendOpts(t, r.device(), newEvents()), srcs)
	if ev.State != transfer.StateDeclined || !transfer.IsCode(err, errcode.Declined) {
		t.Fatalf("%v %v", ev.State, err)
	}
	if got := r.ev.wait(t); got.State != transfer.StateDeclined || !transfer.IsCode(got.Err, errcode.DeclinedLocal) {
		t.Fatalf("receiver %+v", got)
	}
	if _, err := filepath.Glob(r.dir); err == nil && len(contents(t, r.dir)) != 0 {
		t.Fatal("a declined offer wrote files")
	}
}

func TestPIN(t *testing.T) {
	r := startRx(t, accept, func(c *Config) { c.PIN = func() string { return "4821" } })
	src := t.TempDir()
	tree(t, src, map[string][]byte{"x": []byte("secret")})
	srcs, _ := transfer.CollectSources([]string{filepath.Join(src, "x")})

	// No way to ask: a clear error, nothing sent, nobody asked.
	ev, err := Send(context.Background(), sendOpts(t, r.device(), newEvents()), srcs)
	if ev.State != transfer.StateFailed || !transfer.IsCode(err, errcode.LocalSendPINRequired) {
		t.Fatalf("%v %v", ev.State, err)
	}
	// Wrong, then right: the prompt hears that the first was wrong.
	var calls []bool
	o := sendOpts(t, r.device(), newEvents())
	o.PIN = func(ctx context.Context, wrong bool) (string, bool) {
		calls = append(calls, wrong)
		if len(calls) == 1 {
			return "0000", true
		}
		return "4821", true
	}
	if ev, err := Send(context.Background(), o, srcs); err != nil || ev.State != transfer.StateDone {
		t.Fatalf("%v %v", ev.State, err)
	}
	if len(calls) != 2 || calls[0] || !calls[1] {
		t.Fatalf("prompt calls %v", calls)
	}
	r.ev.wait(t)
	// Guessing: after five wrong PINs the address is locked out (429),
	// even for the right PIN.
	n := 0
	o.PIN = func(ctx context.Context, wrong bool) (string, bool) {
		n++
		return "1111", true
	}
	_, err = Send(context.Background(), o, srcs)
	if !transfer.IsCode(err, errcode.LocalSendPINLocked) {
		t.Fatalf("after %d guesses: %v", n, err)
	}
	o.PIN = func(ctx context.Context, wrong bool) (string, bool) { return "4821", true }
	if _, err := Send(context.Background(), o, srcs); !transfer.IsCode(err, errcode.LocalSendPINLocked) {
		t.Fatalf("locked out address got in: %v", err)
	}
	// A person who gives up at the prompt cancels.
	r2 := startRx(t, accept, func(c *Config) { c.PIN = func() string { return "1" } })
	o2 := sendOpts(t, r2.device(), newEvents())
	o2.PIN = func(ctx context.Context, wrong bool) (string, bool) { return "", false }
	if ev, err := Send(context.Background(), o2, srcs); ev.State != transfer.StateCancelled || !transfer.IsCode(err, errcode.Cancelled) {
		t.Fatalf("%v %v", ev.State, err)
	}
}

func TestFingerprintMismatch(t *testing.T) {
	r := startRx(t, accept, nil)
	to := r.device()
	to.Fingerprint = strings.Repeat("AB", 32)
	src := t.TempDir()
	tree(t, src, map[string][]byte{"x": []byte("x")})
	srcs, _ := transfer.CollectSources([]string{filepath.Join(src, "x")})
	ev, err := Send(context.Background(), sendOpts(t, to, newEvents()), srcs)
	if ev.State != transfer.StateFailed || !transfer.IsCode(err, errcode.LocalSendFingerprint) {
		t.Fatalf("%v %v", ev.State, err)
	}
	select {
	case req := <-r.asked:
		t.Fatalf("an impostor check let an offer through: %+v", req)
	default:
	}
}

func TestBusy(t *testing.T) {
	release := make(chan struct{})
	r := startRx(t, func(*transfer.Request) transfer.Answer { <-release; return transfer.Answer{} }, nil)
	defer close(release)
	src := t.TempDir()
	tree(t, src, map[string][]byte{"x": []byte("x")})
	srcs, _ := transfer.CollectSources([]string{filepath.Join(src, "x")})
	go Send(context.Background(), sendOpts(t, r.device(), newEvents()), srcs)
	<-r.asked
	_, err := Send(context.Background(), sendOpts(t, r.device(), newEvents()), srcs)
	if !transfer.IsCode(err, errcode.LocalSendBusy) {
		t.Fatalf("second session: %v", err)
	}
}

func TestCancelBySender(t *testing.T) {
	r := startRx(t, accept, nil)
	src := t.TempDir()
	tree(t, src, map[string][]byte{"big.bin": randBytes(t, 64<<20)})
	srcs, _ := transfer.CollectSources([]string{filepath.Join(src, "big.bin")})
	ctx, cancel := context.WithCancel(context.Background())
	sev := newEvents()
	o := sendOpts(t, r.device(), sev)
	o.OnEvent = sev.on
	go func() {
		<-testproc.Grown(t, filepath.Join(r.dir, savedir.PartialDir, "*"+savedir.PartialSuffix), 1<<20)
		cancel()
	}()
	ev, err := Send(ctx, o, srcs)
	if ev.State != transfer.StateCancelled || !transfer.IsCode(err, errcode.Cancelled) {
		t.Fatalf("%v %v", ev.State, err)
	}
	got := r.ev.wait(t)
	if got.State != transfer.StateCancelled && got.State != transfer.StateFailed {
		t.Fatalf("receiver %v %v", got.State, got.Err)
	}
	r.svc.mu.Lock()
	busy := len(r.svc.sessions) > 0
	r.svc.mu.Unlock()
	if busy {
		t.Fatal("the session slot is still taken")
	}
	waitNoPartials(t, r.dir)
}

func TestCancelByReceiver(t *testing.T) {
	r := startRx(t, accept, nil)
	src := t.TempDir()
	tree(t, src, map[string][]byte{"big.bin": randBytes(t, 64<<20)})
	srcs, _ := transfer.CollectSources([]string{filepath.Join(src, "big.bin")})
	o := sendOpts(t, r.device(), newEvents())
	grown := testproc.Grown(t, filepath.Join(r.dir, savedir.PartialDir, "*"+savedir.PartialSuffix), 1<<20)
	var fired atomic.Bool
	r.svc.cfg.OnEvent = func(e transfer.Event) {
		if fired.CompareAndSwap(false, true) {
			go func() {
				<-grown
				r.svc.Cancel(e.Session)
			}()
		}
		r.ev.on(e)
	}
	ev, err := Send(context.Background(), o, srcs)
	if ev.State != transfer.StateFailed || err == nil {
		t.Fatalf("sender: %v %v", ev.State, err)
	}
	if got := r.ev.wait(t); got.State != transfer.StateCancelled || !transfer.IsCode(got.Err, errcode.Cancelled) {
		t.Fatalf("receiver %v %v", got.State, got.Err)
	}
	waitNoPartials(t, r.dir)
	if errors.Is(err, context.Canceled) {
		t.Fatal("sender's error should say what happened")
	}
}

// Names a phone or a Mac makes every day but Windows (or the download
// folder's disk) can't hold arrive under safe names; the offer shows what
// the sender called them, the event's Saved list what they are saved as.
func TestReceiveNamesOtherSystemsAllow(t *testing.T) {
	r := startRx(t, accept, nil)
	src := t.TempDir()
	want := map[string][]byte{
		"Meeting notes: 10:30.txt": []byte("agenda"),
		"image.jpg":                []byte("lower"),
		"IMAGE.JPG":                []byte("UPPER"),
		"con.txt":                  []byte("device?"),
		"what?.txt":                []byte("?"),
		"ends with dot.":           []byte("."),
	}
	tree(t, src, want)
	var paths []string
	for name := range want {
		paths = append(paths, filepath.Join(src, name))
	}
	srcs, err := transfer.CollectSources(paths)
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := Send(context.Background(), sendOpts(t, r.device(), newEvents()), srcs); err != nil || ev.State != transfer.StateDone {
		t.Fatalf("send: %v %v", ev.State, err)
	}
	got := r.ev.wait(t)
	if got.State != transfer.StateDone || len(got.Saved) != len(want) {
		t.Fatalf("receiver's final event %+v", got)
	}
	req := <-r.asked
	offered := map[string]bool{}
	for _, it := range req.Offer.Items {
		offered[it.Path] = true
	}
	for name := range want {
		if !offered[name] {
			t.Errorf("the offer does not show %q as the sender named it: %v", name, req.Offer.Items)
		}
	}
	files := contents(t, r.dir)
	saved := map[string]bool{}
	for _, s := range got.Saved {
		saved[s] = true
		if err := savedir.ValidateRelPath(s); err != nil {
			t.Errorf("saved as %q: %v", s, err)
		}
	}
	for orig, name := range map[string]string{
		"Meeting notes: 10:30.txt": "Meeting notes_ 10_30.txt",
		"con.txt":                  "con_.txt",
		"what?.txt":                "what_.txt",
		"ends with dot.":           "ends with dot_",
	} {
		if string(files[name]) != string(want[orig]) || !saved[name] {
			t.Errorf("%q: saved %v, %q holds %q", orig, got.Saved, name, files[name])
		}
	}
	// The case clash: one keeps its name, the other gets " (1)".
	var lower, upper string
	for name, b := range files {
		switch string(b) {
		case "lower":
			lower = name
		case "UPPER":
			upper = name
		}
	}
	if strings.EqualFold(lower, upper) || !strings.EqualFold(strings.ReplaceAll(lower+upper, " (1)", ""), "image.jpgimage.jpg") {
		t.Errorf("case clash saved as %q and %q", lower, upper)
	}
	if len(files) != len(want) {
		t.Errorf("files %v", files)
	}
}

// A Lempar sender that gives up while the person there is still deciding
// says so with a /cancel without a session ID. The receiver here is a
// stand-in that, like the official apps, does not notice the offer's
// request going away: only the /cancel can close its dialog.
func TestSendGiveUpWhileWaitingCancelsThere(t *testing.T) {
	prepared, cancels, over := make(chan struct{}, 1), make(chan string, 1), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case apiV2 + "prepare-upload":
			select {
			case prepared <- struct{}{}:
			default:
			}
			select {
			case <-r.Context().Done():
			case <-over:
			}
		case apiV2 + "cancel":
			cancels <- r.URL.RawQuery
		}
	}))
	defer srv.Close()
	defer close(over)
	ap := netip.MustParseAddrPort(srv.Listener.Addr().String())
	to := Device{ID: PeerID(strings.Repeat("ab", 32)), Fingerprint: strings.Repeat("ab", 32), Alias: "Phone", Addr: ap, Protocol: "http"}
	src, _ := transfer.TextSource("tunggu")
	ctx, cancel := context.WithCancel(context.Background())
	sent := make(chan transfer.Event, 1)
	go func() {
		ev, _ := Send(ctx, sendOpts(t, to, newEvents()), []transfer.Source{src})
		sent <- ev
	}()
	<-prepared
	cancel()
	if ev := <-sent; ev.State != transfer.StateCancelled || !transfer.IsCode(ev.Err, errcode.Cancelled) {
		t.Fatalf("sender's final %v %v", ev.State, ev.Err)
	}
	select {
	case q := <-cancels:
		if q != "" {
			t.Fatalf("cancel carried %q; there is no session yet", q)
		}
	default:
		t.Fatal("the receiver was not told (no /cancel)")
	}

	// Lempar's own receiver withdraws the offer at once, too.
	asked, gone := make(chan struct{}, 1), make(chan error, 1)
	r := startRx(t, accept, func(c *Config) {
		c.Acceptor = transfer.AcceptorFunc(func(ctx context.Context, _ *transfer.Request) transfer.Answer {
			asked <- struct{}{}
			<-ctx.Done()
			gone <- ctx.Err()
			return transfer.Answer{}
		})
	})
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		ev, _ := Send(ctx, sendOpts(t, r.device(), newEvents()), []transfer.Source{src})
		sent <- ev
	}()
	<-asked
	cancel()
	if ev := <-sent; ev.State != transfer.StateCancelled {
		t.Fatalf("sender's final %v %v", ev.State, ev.Err)
	}
	<-gone
	if ev := r.ev.wait(t); ev.State != transfer.StateCancelled || !transfer.IsCode(ev.Err, errcode.PeerCancelled) {
		t.Fatalf("receiver's final %v %v", ev.State, ev.Err)
	}
}

// The receiver's person cancels while we upload: its /cancel reaches our
// LocalSend server and stops the send, whose row says the receiver
// cancelled.
func TestReceiverCancelStopsOurUpload(t *testing.T) {
	uploading, over := make(chan struct{}, 1), make(chan struct{})
	phone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case apiV2 + "prepare-upload":
			_ = json.NewEncoder(w).Encode(PrepareResponse{SessionID: "phone-session", Files: map[string]string{"f0": "tok"}})
		case apiV2 + "upload":
			_, _ = r.Body.Read(make([]byte, 1))
			select {
			case uploading <- struct{}{}:
			default:
			}
			select {
			case <-r.Context().Done():
			case <-over:
			}
		}
	}))
	defer phone.Close()
	defer close(over)
	ours := startRx(t, accept, nil) // our running LocalSend server
	to := Device{ID: PeerID(strings.Repeat("cd", 32)), Fingerprint: strings.Repeat("cd", 32), Alias: "Phone",
		Addr: netip.MustParseAddrPort(phone.Listener.Addr().String()), Protocol: "http"}
	dir := t.TempDir()
	tree(t, dir, map[string][]byte{"big.bin": randBytes(t, 4<<20)})
	srcs, err := transfer.CollectSources([]string{filepath.Join(dir, "big.bin")})
	if err != nil {
		t.Fatal(err)
	}
	o := sendOpts(t, to, newEvents())
	o.Via = ours.svc
	sent := make(chan transfer.Event, 1)
	go func() {
		ev, _ := Send(context.Background(), o, srcs)
		sent <- ev
	}()
	<-uploading
	// Another session ID, or the right one from another address, stops nothing.
	if st, _ := rawClient(t, ours, "").do("POST", apiV2+"cancel", url.Values{"sessionId": {"other"}}, nil, nil); st != http.StatusOK {
		t.Fatalf("cancel: %d", st)
	}
	if st, _ := rawClient(t, ours, "127.0.0.2").do("POST", apiV2+"cancel", url.Values{"sessionId": {"phone-session"}}, nil, nil); st != http.StatusOK {
		t.Fatalf("cancel: %d", st)
	}
	select {
	case ev := <-sent:
		t.Fatalf("a stranger's cancel stopped the send: %v %v", ev.State, ev.Err)
	default:
	}
	if st, _ := rawClient(t, ours, "").do("POST", apiV2+"cancel", url.Values{"sessionId": {"phone-session"}}, nil, nil); st != http.StatusOK {
		t.Fatalf("cancel: %d", st)
	}
	ev := <-sent
	if ev.State != transfer.StateCancelled || !transfer.IsCode(ev.Err, errcode.PeerCancelled) {
		t.Fatalf("sender's final %v %v", ev.State, ev.Err)
	}
}
