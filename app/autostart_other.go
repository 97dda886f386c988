//go:build !linux && !windows

package app

func enableAutostart(string) error {
	return &StoreError{Key: "err.autostart.unsupported", Err: ErrAutostartUnsupported}
}

// Nothing can have been set up, so there is nothing to undo.
func disableAutostart() error { return nil }

func autostartEnabled() (bool, error) { return false, nil }
