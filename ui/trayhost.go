//go:build linux || freebsd || openbsd || netbsd

package ui

import (
	"context"
	"time"

	"github.com/godbus/dbus/v5"
)

// trayHostReply bounds the question to the session bus: a bus that does
// not answer must not hold up the start.
const trayHostReply = 2 * time.Second

// trayHostPresent reports whether something shows tray icons: on Linux
// and the BSDs that is the StatusNotifierWatcher on the session bus (KDE,
// most panels, GNOME only with an AppIndicator extension). A session bus
// alone is not enough: stock GNOME has one and no watcher, so an icon
// registered there is never seen and a hidden window never comes back.
// No bus is started for the question.
func trayHostPresent() bool {
	addr := sessionBusAddress()
	if addr == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), trayHostReply)
	defer cancel()
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return false
	}
	defer conn.Close()
	var owned bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&owned)
	return err == nil && owned
}
