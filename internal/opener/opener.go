// Package opener opens received files with the desktop's programs: Open
// runs a file's default application, Reveal shows files in the file
// manager, selected where the file manager can do that. It links no Fyne:
// Fyne's OpenURL reports a missing xdg-open as a raw Go error and cannot
// select a file in its folder.
package opener

import (
	"errors"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/lempar/lempar/internal/i18n"
)

// Error says what could not be opened; its message is worded by Key in the
// reader's language.
type Error struct {
	Key  string // "err.open.no-program", "err.open.no-file-manager", "err.open.failed"
	Path string
	Err  error // the program's failure, for logs
}

func (e *Error) Error() string { return e.Localize(i18n.Load("en")) }

// Localize words the error in tr's language.
func (e *Error) Localize(tr *i18n.Translator) string {
	return tr.T(e.Key, "Path", e.Path, "Name", filepath.Base(e.Path))
}

func (e *Error) Unwrap() error { return e.Err }

// settle is how long a launcher may take to fail: xdg-open, open and
// rundll32 hand the file over and exit at once; one still running after
// this is showing it.
const settle = 5 * time.Second

// Open opens the file or folder p with its default program.
func Open(p string) error {
	name, args := openCommand(p)
	if err := run(name, args...); err != nil {
		key := "err.open.failed"
		if errors.Is(err, exec.ErrNotFound) {
			key = "err.open.no-program"
		}
		return &Error{Key: key, Path: p, Err: err}
	}
	return nil
}

// Reveal shows paths (files or folders in one folder) in the file manager,
// selected where it can (the FileManager1 D-Bus interface on Linux desktops,
// Finder, Explorer); else it opens the folder holding the first.
func Reveal(paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	if name, args, ok := revealCommand(paths); ok && run(name, args...) == nil {
		return nil
	}
	dir := filepath.Dir(paths[0])
	name, args := openCommand(dir)
	if err := run(name, args...); err != nil {
		key := "err.open.failed"
		if errors.Is(err, exec.ErrNotFound) {
			key = "err.open.no-file-manager"
		}
		return &Error{Key: key, Path: dir, Err: err}
	}
	return nil
}

// run starts name and waits until it exits or settle passes; a failure to
// start or a non-zero exit in that time is an error.
func run(name string, args ...string) error {
	p, err := exec.LookPath(name)
	if err != nil {
		return err
	}
	cmd := command(p, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitErr(name, err)
	case <-time.After(settle):
		return nil // still showing it; Wait reaps it when it exits
	}
}

// fileURI is p as a file:// URI, as D-Bus file managers take it. Commas are
// escaped too: dbus-send separates array elements with them.
func fileURI(p string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(p)}
	return strings.ReplaceAll(u.String(), ",", "%2C")
}
