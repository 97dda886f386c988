//go:build linux || freebsd || openbsd || netbsd

package ui

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// The desktop's own file chooser, through the XDG desktop portal
// (org.freedesktop.portal.FileChooser.OpenFile with multiple=true): GNOME,
// KDE and others show their native dialog, with several files ticked in
// one go. github.com/rymdport/portal (which Fyne uses in Flatpak builds)
// has the call, but it unescapes the answer as a query string (a '+' in a
// file name becomes a space), listens for the answer only after asking and
// takes any request's answer, and cannot give up on a portal that never
// answers; these few lines do the same over godbus directly.

const (
	portalDest = "org.freedesktop.portal.Desktop"
	portalPath = dbus.ObjectPath("/org/freedesktop/portal/desktop")
)

// portalReply is how long the portal may take to take the request (it may
// be started on demand); the person's choosing has no limit.
const portalReply = 5 * time.Second

// portalPick asks the portal for files or folders. errNoPortal means the
// desktop offers none (no session bus, no portal, no FileChooser, or a
// portal that failed before showing anything): use our own chooser. A
// cancelled choice is no paths and no error.
func portalPick(req pickRequest) ([]string, error) {
	addr := sessionBusAddress()
	if addr == "" {
		return nil, errNoPortal
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoPortal, err)
	}
	defer conn.Close()

	ctx, cancel := context.WithTimeout(context.Background(), portalReply)
	defer cancel()
	obj := conn.Object(portalDest, portalPath)
	var version dbus.Variant
	if err := obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0,
		"org.freedesktop.portal.FileChooser", "version").Store(&version); err != nil {
		return nil, fmt.Errorf("%w: %v", errNoPortal, err)
	}

	// Listen before asking, on the request path the portal will use.
	token := fmt.Sprintf("lempar%d", time.Now().UnixNano())
	sender := strings.NewReplacer(".", "_").Replace(strings.TrimPrefix(conn.Names()[0], ":"))
	want := dbus.ObjectPath("/org/freedesktop/portal/desktop/request/" + sender + "/" + token)
	signals := make(chan *dbus.Signal, 4)
	conn.Signal(signals)
	match := []dbus.MatchOption{dbus.WithMatchInterface("org.freedesktop.portal.Request"), dbus.WithMatchMember("Response")}
	if err := conn.AddMatchSignalContext(ctx, match...); err != nil {
		return nil, fmt.Errorf("%w: %v", errNoPortal, err)
	}

	opts := map[string]dbus.Variant{
		"handle_token": dbus.MakeVariant(token),
		"multiple":     dbus.MakeVariant(true),
		"directory":    dbus.MakeVariant(req.folders),
		"modal":        dbus.MakeVariant(true),
	}
	if req.accept != "" {
		opts["accept_label"] = dbus.MakeVariant(req.accept)
	}
	if req.start != "" {
		opts["current_folder"] = dbus.MakeVariant(append([]byte(req.start), 0))
	}
	var handle dbus.ObjectPath
	call := obj.CallWithContext(ctx, "org.freedesktop.portal.FileChooser.OpenFile", 0, req.parent, req.title, opts)
	if err := call.Store(&handle); err != nil {
		return nil, fmt.Errorf("%w: %v", errNoPortal, err)
	}
	for s := range signals {
		if (s.Path != want && s.Path != handle) || len(s.Body) != 2 {
			continue
		}
		status, _ := s.Body[0].(uint32)
		results, _ := s.Body[1].(map[string]dbus.Variant)
		switch status {
		case 0:
			return portalPaths(results["uris"]), nil
		case 1:
			return nil, nil // the person cancelled
		default:
			return nil, fmt.Errorf("%w: the portal ended the request (%d)", errNoPortal, status)
		}
	}
	return nil, fmt.Errorf("%w: the session bus closed", errNoPortal)
}

// portalPaths reads the chosen file:// URIs as paths.
func portalPaths(v dbus.Variant) []string {
	uris, _ := v.Value().([]string)
	var out []string
	for _, s := range uris {
		if u, err := url.Parse(s); err == nil && u.Scheme == "file" && u.Path != "" {
			out = append(out, filepath.FromSlash(u.Path))
		}
	}
	return out
}

// sessionBusAddress finds the session bus without starting one: godbus
// would run dbus-launch when none is set, which on a machine without a
// desktop pops up a bus nobody serves.
func sessionBusAddress() string {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
		return a
	}
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
		if p := filepath.Join(rt, "bus"); fileExists(p) {
			return "unix:path=" + p
		}
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
