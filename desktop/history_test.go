package desktop

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/transfer"
	"github.com/lempar/lempar/ui"
)

// notifyApp is a test app that keeps the notifications the window sends.
type notifyApp struct {
	fyne.App
	mu   sync.Mutex
	sent []*fyne.Notification
}

func (a *notifyApp) SendNotification(n *fyne.Notification) {
	a.mu.Lock()
	a.sent = append(a.sent, n)
	a.mu.Unlock()
}

func (a *notifyApp) titles() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, n := range a.sent {
		out = append(out, n.Title)
	}
	return out
}

// shownTexts collects what labels and rich texts under o show.
func shownTexts(o fyne.CanvasObject) []string {
	var out []string
	switch w := o.(type) {
	case *widget.Label:
		return []string{w.Text}
	case *widget.RichText:
		return []string{w.String()}
	case *widget.Button:
		return []string{w.Text}
	case *fyne.Container:
		for _, c := range w.Objects {
			out = append(out, shownTexts(c)...)
		}
		return out
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(w).Objects() {
			out = append(out, shownTexts(c)...)
		}
	}
	return out
}

// offerFrom sends srcs to dev's receiver as "Budi" and returns the
// sender's final event when it ends.
func offerFrom(t *testing.T, dev *app.Device, srcs []transfer.Source) <-chan transfer.Event {
	t.Helper()
	id, _ := transfer.NewEphemeralIdentity()
	out := make(chan transfer.Event, 1)
	go func() {
		ev, _ := transfer.Send(context.Background(), id, transfer.SendOptions{
			Addr: "127.0.0.1:" + itoa(dev.Port()), Hello: transfer.Hello{Name: "Budi"}}, srcs)
		out <- ev
	}()
	return out
}

func writeFiles(t *testing.T, dir string, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("isi "+n), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// runDevice runs the window's device on config folder dir, its backend
// speaking the system's language as main.go's does; stop ends it.
func runDevice(t *testing.T, dir string) (b *Backend, dev *app.Device, r *recorder, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b = New(ctx, i18n.FromEnv())
	dev, err := app.OpenDevice(app.DeviceOptions{
		Options:         app.Options{ConfigDir: dir, Acceptor: b, OnEvent: b.OnEvent, OnOffer: b.OnOffer, Port: -1, Listen: "127.0.0.1"},
		IncludeLoopback: true, Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Attach(dev)
	done := make(chan struct{})
	go func() { _ = dev.Serve(ctx); close(done) }()
	r = &recorder{ch: make(chan ui.Event, 1024)}
	unsub := b.Subscribe(r.on)
	var once sync.Once
	stop = func() { once.Do(func() { unsub(); cancel(); <-done }) }
	t.Cleanup(stop)
	return b, dev, r, stop
}

// History tells the truth after a restart: each entry is titled by what was
// offered — a file, a folder, a text, a declined offer of three files, a
// failed receive — with the received items' own paths; and with the
// language set to Indonesian on an English system, the engine's error, the
// history and the window's notifications are Indonesian.
func TestHistoryAfterRestartInThePersonsLanguage(t *testing.T) {
	netns.RequireLoopback(t)
	for k, v := range map[string]string{"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "LEMPAR_LANG": "", "LANGUAGE": ""} {
		t.Setenv(k, v)
	}
	en, id := i18n.Load("en"), i18n.Load("id")
	cfg := t.TempDir()
	dl := filepath.Join(cfg, "Unduhan")
	st := app.DefaultSettings()
	st.DeviceName, st.DownloadDir, st.LocalSend, st.Language = "Sari-PC", dl, false, "id"
	if err := app.SaveSettings(cfg, st); err != nil {
		t.Fatal(err)
	}
	b, dev, r, stop := runDevice(t, cfg)
	na := &notifyApp{App: test.NewTempApp(t)}
	// Serial: the window handles the backend's events on this goroutine
	// (step), as Fyne's test driver requires.
	g, step := ui.NewSerial(na, b)

	src := t.TempDir()
	answer := func(what string, srcs []transfer.Source, d ui.Decision) ui.TransferInfo {
		t.Helper()
		res := offerFrom(t, dev, srcs)
		o := r.next(t, func(e ui.Event) bool { _, ok := e.(ui.OfferReceived); return ok }).(ui.OfferReceived)
		if err := b.Answer(o.Offer.ID, d); err != nil {
			t.Fatal(err)
		}
		fin := r.next(t, func(e ui.Event) bool {
			u, ok := e.(ui.TransferUpdated)
			return ok && u.Transfer.State.Final() && u.Transfer.ID == o.Offer.ID
		}).(ui.TransferUpdated).Transfer
		<-res
		t.Logf("%s: %s %s", what, fin.State, fin.Err)
		return fin
	}
	accept := ui.Decision{Accept: true}
	file, _ := transfer.CollectSources(writeFiles(t, src, "laporan.pdf"))
	answer("file", file, accept)
	writeFiles(t, src, "Liburan/pantai.jpg", "Liburan/gunung/danau.jpg")
	folder, _ := transfer.CollectSources([]string{filepath.Join(src, "Liburan")})
	answer("folder", folder, accept)
	text, _ := transfer.TextSource("Rapat pindah ke Kamis jam 10, ruang 2B.")
	answer("text", []transfer.Source{text}, accept)
	three, _ := transfer.CollectSources(writeFiles(t, src, "a.pdf", "b.jpg", "c.txt"))
	answer("declined", three, ui.Decision{})
	// Accepted into a "folder" that is a file: the receive fails.
	blocker := writeFiles(t, t.TempDir(), "berkas")[0]
	big, _ := transfer.CollectSources(writeFiles(t, src, "video.mp4"))
	failed := answer("failed", big, ui.Decision{Accept: true, Dir: filepath.Join(blocker, "sub")})

	// The engine's error is worded in the setting's language, not the system's.
	if failed.State != ui.Failed || failed.Err == "" {
		t.Fatalf("failed receive: %+v", failed)
	}
	h := dev.History.List()[0]
	if h.Err == nil || failed.Err != h.Err.Localize(id) || failed.Err == h.Err.Localize(en) {
		t.Errorf("engine error %q is not the Indonesian %q", failed.Err, h.Err.Localize(id))
	}
	// So are the window's notifications.
	want := map[string]bool{id.T("ui.notify.offer.title"): false, id.T("ui.notify.failed.title"): false}
	deadline := time.Now().Add(10 * time.Second)
	for {
		step()
		for _, title := range na.titles() {
			if _, ok := want[title]; ok {
				want[title] = true
			}
		}
		if want[id.T("ui.notify.offer.title")] && want[id.T("ui.notify.failed.title")] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("notifications %q, want Indonesian %v", na.titles(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	g.Close()

	// Restart.
	stop()
	b, _, _, _ = runDevice(t, cfg)
	hist := b.History()
	if len(hist) != 5 {
		t.Fatalf("history after restart has %d entries: %+v", len(hist), hist)
	}
	byName := map[string]ui.TransferInfo{}
	for _, e := range hist {
		byName[e.Name] = e
	}
	check := func(name string, state ui.TransferState, kind ui.ItemKind, saved string) ui.TransferInfo {
		t.Helper()
		e, ok := byName[name]
		if !ok || e.State != state || e.Kind != kind || e.SavedTo != saved || e.PeerName != "Budi" {
			t.Errorf("entry %q: %+v, want %s %s saved to %q", name, e, state, kind, saved)
		}
		if saved != "" && (len(e.Paths) != 1 || e.Paths[0] != saved) {
			t.Errorf("entry %q: paths %q, want its own %q", name, e.Paths, saved)
		}
		if saved != "" {
			if _, err := os.Stat(saved); err != nil {
				t.Errorf("entry %q: %v", name, err)
			}
		}
		return e
	}
	check("laporan.pdf", ui.Done, ui.KindFile, filepath.Join(dl, "laporan.pdf"))
	check("Liburan", ui.Done, ui.KindDir, filepath.Join(dl, "Liburan"))
	check("a.pdf", ui.Declined, ui.KindFile, "")
	f := check("video.mp4", ui.Failed, ui.KindFile, "")
	if f.Err != h.Err.Localize(id) {
		t.Errorf("failed entry's error after restart %q, want Indonesian %q", f.Err, h.Err.Localize(id))
	}
	var txt ui.TransferInfo
	for _, e := range hist {
		if e.Kind == ui.KindText {
			txt = e
		}
	}
	if txt.Text != "Rapat pindah ke Kamis jam 10, ruang 2B." || txt.State != ui.Done || txt.SavedTo != "" {
		t.Errorf("text entry: %+v", txt)
	}

	// The History screen, as the person reads it.
	g2, step2 := ui.NewSerial(&notifyApp{App: test.NewTempApp(t)}, b)
	step2()
	g2.Close() // no more events: the test reads the widgets alone
	g2.Window().Resize(fyne.NewSize(960, 900))
	g2.ShowHistory()
	shown := strings.Join(shownTexts(g2.Window().Canvas().Content()), "\n")
	for _, want := range []string{
		"laporan.pdf", "Liburan", "“Rapat pindah ke Kamis jam 10, ruang 2B.”", "video.mp4",
		id.T("history.title.files-named", "Count", 3, "Names", "a.pdf, b.jpg…"), // "3 file: a.pdf, b.jpg…"
		id.T("ui.history.title"), f.Err, id.T("ui.history.copy"),
	} {
		if !strings.Contains(shown, want) {
			t.Errorf("the History screen doesn't show %q; it shows:\n%s", want, shown)
		}
	}
}
