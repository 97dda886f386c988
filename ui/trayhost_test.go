//go:build linux

package ui

import (
	"testing"

	"github.com/godbus/dbus/v5"
)

// A session bus without a StatusNotifierWatcher (stock GNOME) is no tray:
// a --background start must show the window. Once something owns the
// watcher's name, icons have a host.
func TestTrayHostNeedsWatcher(t *testing.T) {
	addr := privateBus(t)
	if trayHostPresent() {
		t.Fatal("a bus with no StatusNotifierWatcher counted as a tray")
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the watcher name: %v %v", reply, err)
	}
	if !trayHostPresent() {
		t.Fatal("a bus with a StatusNotifierWatcher counted as no tray")
	}
}

// Without any session bus there is no tray, and nothing is started to
// find one.
func TestTrayHostNoBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if trayHostPresent() {
		t.Fatal("no session bus counted as a tray")
	}
}
