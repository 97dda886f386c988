package app

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

// The per-user Run key: Windows starts each value's command at the user's
// sign-in, and the user can switch it off in Task Manager's Startup tab.
const (
	runKey   = `Software\Microsoft\Windows\CurrentVersion\Run`
	runValue = "Lempar"
	runPath  = `HKEY_CURRENT_USER\` + runKey
)

func enableAutostart(exe string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return &StoreError{Key: "err.autostart.write", Path: runPath, Err: err}
	}
	defer k.Close()
	// quoted, so a path with spaces ("C:\Program Files\…") is one program
	if err := k.SetStringValue(runValue, `"`+exe+`" `+BackgroundFlag); err != nil {
		return &StoreError{Key: "err.autostart.write", Path: runPath, Err: err}
	}
	return nil
}

func disableAutostart() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &StoreError{Key: "err.autostart.remove", Path: runPath, Err: err}
	}
	defer k.Close()
	if err := k.DeleteValue(runValue); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return &StoreError{Key: "err.autostart.remove", Path: runPath, Err: err}
	}
	return nil
}

func autostartEnabled() (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, &StoreError{Key: "err.store.read", Path: runPath, Err: err}
	}
	defer k.Close()
	_, _, err = k.GetStringValue(runValue)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, &StoreError{Key: "err.store.read", Path: runPath, Err: err}
	}
	return true, nil
}
