//go:build !windows && !darwin

package opener

import (
	"os/exec"
	"strings"
)

func openCommand(p string) (string, []string) { return "xdg-open", []string{p} }

// revealCommand asks the session's file manager (Nautilus, Dolphin, Nemo,
// Caja, Thunar…) to show the files selected, through the
// org.freedesktop.FileManager1 interface they implement.
func revealCommand(paths []string) (string, []string, bool) {
	uris := make([]string, len(paths))
	for i, p := range paths {
		uris[i] = fileURI(p)
	}
	return "dbus-send", []string{
		"--session", "--print-reply", "--reply-timeout=3000",
		"--dest=org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
		"org.freedesktop.FileManager1.ShowItems",
		"array:string:" + strings.Join(uris, ","), "string:",
	}, true
}

func command(p string, args ...string) *exec.Cmd { return exec.Command(p, args...) }

func exitErr(_ string, err error) error { return err }
