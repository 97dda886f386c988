package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/lempar/lempar/internal/i18n"
)

// autostartPath is the XDG autostart entry: desktop sessions (GNOME, KDE,
// Xfce, …) start every entry in $XDG_CONFIG_HOME/autostart at login.
func autostartPath() (string, error) {
	base, err := os.UserConfigDir() // $XDG_CONFIG_HOME or ~/.config
	if err != nil {
		return "", &StoreError{Key: "err.config.nohome", Err: err}
	}
	return filepath.Join(base, "autostart", "io.lempar.app.desktop"), nil
}

func enableAutostart(exe string) error {
	p, err := autostartPath()
	if err != nil {
		return err
	}
	entry := "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Lempar\n" +
		"Comment=" + i18n.Load("en").T("autostart.comment") + "\n" +
		"Comment[id]=" + i18n.Load("id").T("autostart.comment") + "\n" +
		"Exec=" + desktopExec(exe) + " " + BackgroundFlag + "\n" +
		"Icon=io.lempar.app\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
	if err := writeFileAtomic(p, []byte(entry)); err != nil {
		return &StoreError{Key: "err.autostart.write", Path: p, Err: err}
	}
	return nil
}

func disableAutostart() error {
	p, err := autostartPath()
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &StoreError{Key: "err.autostart.remove", Path: p, Err: err}
	}
	return nil
}

func autostartEnabled() (bool, error) {
	p, err := autostartPath()
	if err != nil {
		return false, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, &StoreError{Key: "err.store.read", Path: p, Err: err}
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		// A session's "startup applications" settings may switch the entry
		// off with either key rather than delete it.
		if k == "Hidden" && v == "true" || k == "X-GNOME-Autostart-enabled" && v == "false" {
			return false, nil
		}
	}
	return true, nil
}

// desktopExec writes a program path as an Exec value. The desktop entry
// spec wants a path with spaces or special characters in double quotes,
// with ", `, $ and \ backslash-escaped inside, every % doubled; then the
// value as a whole escapes its backslashes again, as every string value does.
func desktopExec(path string) string {
	path = strings.ReplaceAll(path, "%", "%%")
	if !strings.ContainsAny(path, " \t\n\"'\\><~|&;$*?#()`") {
		return path
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`)
	quoted := `"` + r.Replace(path) + `"`
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`).Replace(quoted)
}
