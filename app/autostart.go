package app

import (
	"errors"
	"os"
)

// ErrAutostartUnsupported is returned where Lempar can't yet start itself
// at login (anything but Linux and Windows); as a StoreError it carries a
// message that says what to do instead.
var ErrAutostartUnsupported = errors.New("start at login is not supported on this system")

// BackgroundFlag is what the login entry passes: a start at login opens
// no window, Lempar waits in the tray.
const BackgroundFlag = "--background"

// SetStartAtLogin makes the program at exe start when the person logs in,
// or stops that when enable is false. exe "" means the running program.
// It changes only the current user's session, never the system's.
func SetStartAtLogin(enable bool, exe string) error {
	if !enable {
		return disableAutostart()
	}
	if exe == "" {
		p, err := os.Executable()
		if err != nil {
			return &StoreError{Key: "err.autostart.write", Err: err}
		}
		exe = p
	}
	return enableAutostart(exe)
}

// StartsAtLogin reports whether Lempar is set to start at login. Call
// SetStartAtLogin(true, "") at start-up when the setting is on: it points
// the entry at the program running now, which may have moved since.
func StartsAtLogin() (bool, error) {
	return autostartEnabled()
}
