package interop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/testproc"
)

// sendPlain runs localsend's sender as a peer with encryption off: told to
// refuse self-signed certificates, HTTP is all it can speak. It runs again
// when its 10 s connect timeout fired (node starved on a loaded machine:
// it never reached Lempar, which says nothing about Lempar), three runs at
// most.
func (r *rig) sendPlain(t *testing.T, alias, file string) (*proc, int) {
	t.Helper()
	for try := 1; ; try++ {
		cmd := r.lan.Command(lsHost, r.node, r.cli, "send", "--protocol", "http", "--alias", alias, lemparIP, file)
		cmd.Env = append(os.Environ(), "NO_COLOR=1", "LOCALSEND_INSECURE_TLS=0")
		p := startProc(t, "ls-http", cmd)
		code := p.Exit(60 * time.Second)
		if !strings.Contains(p.Output(), "UND_ERR_CONNECT_TIMEOUT") || try == 3 {
			return p, code
		}
	}
}

// refusedPlain checks that a peer without encryption was refused for the
// right reason: HTTP met TLS only, and HTTPS a certificate it won't take.
func refusedPlain(t *testing.T, when string, p *proc, code int) {
	t.Helper()
	if code == 0 || !strings.Contains(p.Output(), "self-signed certificate") || !strings.Contains(p.Output(), "Failed to get device info") {
		t.Fatalf("%s: exit %d:\n%s", when, code, p.Output())
	}
}

// TestLocalSendHTTPOnlyPeer: a LocalSend peer with encryption off can't
// send to Lempar until the person allows LocalSend without encryption in
// the settings; then it can, at once and on the same port; turned off
// again, it can't.
func TestLocalSendHTTPOnlyPeer(t *testing.T) {
	r := newRig(t)
	dl := filepath.Join(t.TempDir(), "Lempar")
	lem := r.lempar(helperCfg{Accept: "yes", DownloadDir: dl})
	src := filepath.Join(t.TempDir(), "catatan rapat.txt")
	data := randFile(t, src, 70_000)
	p, code := r.sendPlain(t, "LS-Plain", src)
	refusedPlain(t, "HTTP not allowed", p, code)
	port := func() string {
		return lem.line(func(l evLine) bool { return l.Kind == "ready" }, 15*time.Second).Addr
	}
	lem.send(command{Op: "settings", HTTP: true})
	if p := port(); p != ":53317" {
		t.Fatalf("restarted on %s", p)
	}
	if p, code := r.sendPlain(t, "LS-Plain", src); code != 0 {
		t.Fatalf("HTTP allowed: exit %d:\n%s", code, p.Output())
	}
	ev := lem.line(func(l evLine) bool { return l.Kind == "event" && l.Direction == "in" && isFinal(l) }, 10*time.Second)
	if ev.State != "done" || ev.PeerName != "LS-Plain" {
		t.Fatalf("event %+v", ev)
	}
	waitTree(t, dl, map[string][]byte{"catatan rapat.txt": data})
	lem.send(command{Op: "settings", HTTP: false})
	port()
	p, code = r.sendPlain(t, "LS-Plain", src)
	refusedPlain(t, "HTTP turned off again", p, code)
	lem.stop()
}

// TestCLILocalSendHTTP: lempar-cli receive --localsend-http does what the
// window's setting does, and --localsend-pin takes what the window's PIN
// field takes (a tab is refused before anything starts).
func TestCLILocalSendHTTP(t *testing.T) {
	r := newRig(t)
	lemparCLI()
	dl := filepath.Join(t.TempDir(), "Unduhan")
	bad := r.lemparCmd(t, "lempar-cli receive", "receive", "--json", "--dir", dl, "--config", t.TempDir(), "--localsend-pin", "12\t34")
	if code := bad.Exit(30 * time.Second); code == 0 || !strings.Contains(bad.Stderr(), "--localsend-pin") {
		t.Fatalf("a PIN with a tab: exit %d; stderr:\n%s", code, bad.Stderr())
	}
	rcv := r.startReceive(t, "Dewi", dl, "--localsend-http")
	src := filepath.Join(t.TempDir(), "foto.jpg")
	data := randFile(t, src, 250_000)
	from := len(rcv.Events())
	if p, code := r.sendPlain(t, "LS-Plain", src); code != 0 {
		t.Fatalf("--localsend-http: exit %d:\n%s", code, p.Output())
	}
	if ev := incoming(rcv, from, 30*time.Second); ev.Str("state") != "done" || ev.Str("peer_name") != "LS-Plain" {
		t.Fatalf("event %v", ev)
	}
	sameFile(t, filepath.Join(dl, "foto.jpg"), data)
	rcv.Stop(testproc.DefaultGrace)
}
