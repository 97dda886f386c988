//go:build linux

package ui

import (
	"bufio"
	"errors"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// privateBus starts a session bus of the test's own and points
// DBUS_SESSION_BUS_ADDRESS at it.
func privateBus(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Skip("dbus-daemon not installed (apt-get install dbus)")
	}
	sock := filepath.Join(t.TempDir(), "bus")
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1", "--address=unix:path="+sock)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n') // printed once it listens
	if err != nil {
		t.Fatalf("dbus-daemon: %v", err)
	}
	addr := strings.TrimSpace(line)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}

// fakePortal answers FileChooser.OpenFile like xdg-desktop-portal: the
// reply is a request path, the answer a Response signal on it.
type fakePortal struct {
	conn   *dbus.Conn
	status uint32
	uris   []string
	mu     sync.Mutex
	opts   map[string]dbus.Variant
	parent string
}

func (p *fakePortal) OpenFile(sender dbus.Sender, parent, title string, opts map[string]dbus.Variant) (dbus.ObjectPath, *dbus.Error) {
	p.mu.Lock()
	p.opts, p.parent = opts, parent
	p.mu.Unlock()
	token, _ := opts["handle_token"].Value().(string)
	name := strings.NewReplacer(".", "_").Replace(strings.TrimPrefix(string(sender), ":"))
	handle := dbus.ObjectPath("/org/freedesktop/portal/desktop/request/" + name + "/" + token)
	// Another request's answer first: it must not be taken for ours.
	_ = p.conn.Emit("/org/freedesktop/portal/desktop/request/"+dbus.ObjectPath(name)+"/other", "org.freedesktop.portal.Request.Response",
		uint32(0), map[string]dbus.Variant{"uris": dbus.MakeVariant([]string{"file:///wrong"})})
	_ = p.conn.Emit(handle, "org.freedesktop.portal.Request.Response",
		p.status, map[string]dbus.Variant{"uris": dbus.MakeVariant(p.uris)})
	return handle, nil
}

func servePortal(t *testing.T, addr string, p *fakePortal) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p.conn = conn
	if err := conn.Export(p, portalPath, "org.freedesktop.portal.FileChooser"); err != nil {
		t.Fatal(err)
	}
	if _, err := prop.Export(conn, portalPath, prop.Map{"org.freedesktop.portal.FileChooser": {
		"version": {Value: uint32(4), Emit: prop.EmitFalse},
	}}); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName(portalDest, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("taking the portal's name: %v %v", r, err)
	}
}

func TestPortalPicksSeveralFiles(t *testing.T) {
	addr := privateBus(t)
	p := &fakePortal{uris: []string{
		"file:///home/budi/C%2B%2B%20notes+draft.txt",
		"file:///home/budi/Foto%20rapat/r%C3%A9sum%C3%A9.pdf",
		"https://example.com/not-a-file",
	}}
	servePortal(t, addr, p)
	got, err := portalPick(pickRequest{parent: "x11:3a00004", title: "Choose files", accept: "Choose", start: "/home/budi"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/home/budi/C++ notes+draft.txt", "/home/budi/Foto rapat/résumé.pdf"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("picked %q, want %q", got, want)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, _ := p.opts["multiple"].Value().(bool); !m {
		t.Error("the portal was not asked for several files")
	}
	if d, _ := p.opts["directory"].Value().(bool); d {
		t.Error("asked for folders")
	}
	if f, _ := p.opts["current_folder"].Value().([]byte); string(f) != "/home/budi\x00" {
		t.Errorf("current_folder %q", f)
	}
	if p.parent != "x11:3a00004" {
		t.Errorf("parent window %q", p.parent)
	}
}

func TestPortalCancelAndAbsence(t *testing.T) {
	addr := privateBus(t)
	// No portal on the bus: Lempar's own chooser takes over, at once.
	start := time.Now()
	if _, err := portalPick(pickRequest{}); !errors.Is(err, errNoPortal) {
		t.Fatalf("no portal: %v", err)
	}
	if d := time.Since(start); d > portalReply {
		t.Errorf("took %v to notice there is no portal", d)
	}
	servePortal(t, addr, &fakePortal{status: 1})
	if got, err := portalPick(pickRequest{folders: true}); got != nil || err != nil {
		t.Fatalf("cancelled: %v, %v", got, err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if _, err := portalPick(pickRequest{}); !errors.Is(err, errNoPortal) {
		t.Fatalf("no session bus: %v", err)
	}
}
