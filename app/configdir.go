package app

import (
	"os"
	"path/filepath"
	"strings"
)

// EnvConfigDir names the environment variable that moves the config folder,
// so several identities can run on one machine.
const EnvConfigDir = "LEMPAR_CONFIG_DIR"

// ConfigDir picks the folder that holds this device's identity, settings,
// trust store and history: flag if set, else $LEMPAR_CONFIG_DIR, else
// lempar/ in the user's config folder. It creates the folder (0700, since it
// holds the private key) and returns it as an absolute path, so a later
// change of working directory can't move it.
func ConfigDir(flag string) (string, error) {
	dir := flag
	if dir == "" {
		dir = os.Getenv(EnvConfigDir)
	}
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return "", &StoreError{Key: "err.config.nohome", Err: err}
		}
		dir = filepath.Join(base, "lempar")
	}
	dir = expandHome(dir)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", &StoreError{Key: "err.config.dir", Path: dir, Err: err}
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", &StoreError{Key: "err.config.dir", Path: abs, Err: err}
	}
	return abs, nil
}

// expandHome turns a leading "~/" into the home folder: a flag written as
// --config=~/x reaches us unexpanded because the shell only expands a word
// that starts with "~".
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, `~\`) {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, p[1:])
}
