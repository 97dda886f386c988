package app

import (
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lempar/lempar/internal/i18n"
)

// SettingsFile is the settings' file name inside the config dir.
const SettingsFile = "settings.json"

// DefaultPort is where Lempar listens unless told otherwise.
const DefaultPort = 53318

// MaxDeviceNameBytes is the longest device name: DNS-SD carries it as one
// DNS label, and a label holds at most 63 bytes.
const MaxDeviceNameBytes = 63

// Visibility values; see Settings.Visibility.
const (
	VisibilityVisible      = "visible"
	VisibilityHidden       = "hidden"
	VisibilityVisible10Min = "visible-10min"
)

// VisibleFor is how long VisibilityVisible10Min lasts.
const VisibleFor = 10 * time.Minute

// Settings are the user's choices, kept in settings.json.
type Settings struct {
	DeviceName  string `json:"deviceName"`
	DownloadDir string `json:"downloadDir"`
	// Visibility is VisibilityVisible, VisibilityHidden (not announced;
	// known devices can still send) or VisibilityVisible10Min (visible until
	// VisibleUntil, then hidden).
	Visibility      string    `json:"visibility"`
	VisibleUntil    time.Time `json:"visibleUntil,omitzero"`
	AutoAcceptKnown bool      `json:"autoAcceptKnown"`
	Language        string    `json:"language"` // "" follows the system; else "en" or "id"
	Port            int       `json:"port"`
	LocalSend       bool      `json:"localSend"` // also speak to LocalSend devices
	// LocalSendHTTP also accepts LocalSend devices whose encryption is off
	// (plain HTTP on the same port); HTTPS is always served.
	LocalSendHTTP bool `json:"localSendHTTP"`
	// LocalSendPIN, when set, is asked of every LocalSend sender.
	LocalSendPIN string `json:"localSendPIN"`
	StartAtLogin bool   `json:"startAtLogin"`
}

// MaxPINRunes bounds a receive PIN: phones' PIN fields take a few
// characters, and the PIN travels in a URL query.
const MaxPINRunes = 32

// ValidPIN reports whether pin may be a receive PIN: at most MaxPINRunes
// characters, no control or invisible format characters (a sender could
// never type them). "" means no PIN.
func ValidPIN(pin string) bool {
	return utf8.ValidString(pin) && utf8.RuneCountInString(pin) <= MaxPINRunes && cleanPIN(pin) == pin
}

// cleanPIN drops what ValidPIN refuses and cuts to MaxPINRunes. A
// hand-edited file's bad PIN is cleaned rather than dropped: dropping it
// would silently let everyone send.
func cleanPIN(pin string) string {
	pin = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, pin)
	if r := []rune(pin); len(r) > MaxPINRunes {
		pin = string(r[:MaxPINRunes])
	}
	return pin
}

// DefaultSettings are what a first start uses: the computer's name, a Lempar
// folder inside Downloads, visible, LocalSend on.
func DefaultSettings() Settings {
	return Settings{
		DeviceName:  defaultDeviceName(),
		DownloadDir: defaultDownloadDir(),
		Visibility:  VisibilityVisible,
		Port:        DefaultPort,
		LocalSend:   true,
	}
}

// LoadSettings reads dir/settings.json. Fields missing from the file keep
// their defaults, and invalid values are replaced by defaults. A damaged file
// is moved aside and the defaults come back with a StoreError saying so.
func LoadSettings(dir string) (Settings, error) {
	settingsFileMu.Lock()
	defer settingsFileMu.Unlock()
	s, err := loadJSON(filepath.Join(dir, SettingsFile), "err.store.corrupt.settings", DefaultSettings())
	return s.Normalized(), err
}

// settingsFileMu serializes reads and writes of settings files: two writers
// (the settings dialog and the end of "visible for 10 minutes") never
// interleave, and a load that moves a damaged file aside can't move away a
// good one a writer has just put in its place.
var settingsFileMu sync.Mutex

// SaveSettings writes s (normalized) to dir/settings.json: under
// settingsFileMu, to a temporary file beside it that is then renamed over
// it, so a reader or a crash sees the old file or the new one, never a mix.
func SaveSettings(dir string, s Settings) error {
	settingsFileMu.Lock()
	defer settingsFileMu.Unlock()
	return saveJSON(filepath.Join(dir, SettingsFile), s.Normalized())
}

// Normalized returns s with blank or invalid fields replaced by defaults, so
// a hand-edited file can't make Lempar announce a garbage name or listen on
// port 0.
func (s Settings) Normalized() Settings {
	s.DeviceName = cleanDeviceName(s.DeviceName)
	if s.DeviceName == "" {
		s.DeviceName = defaultDeviceName()
	}
	s.DownloadDir = strings.TrimSpace(s.DownloadDir)
	if s.DownloadDir == "" {
		s.DownloadDir = defaultDownloadDir()
	}
	s.DownloadDir = expandHome(s.DownloadDir)
	switch s.Visibility {
	case VisibilityVisible, VisibilityHidden:
		s.VisibleUntil = time.Time{}
	case VisibilityVisible10Min:
	default:
		s.Visibility, s.VisibleUntil = VisibilityVisible, time.Time{}
	}
	if s.Language != "" && !slices.Contains(i18n.Locales, s.Language) {
		s.Language = ""
	}
	if s.Port < 1 || s.Port > 65535 {
		s.Port = DefaultPort
	}
	s.LocalSendPIN = cleanPIN(s.LocalSendPIN)
	return s
}

// SetVisibility switches visibility; VisibilityVisible10Min starts its ten
// minutes at now.
func (s *Settings) SetVisibility(v string, now time.Time) {
	s.Visibility, s.VisibleUntil = v, time.Time{}
	if v == VisibilityVisible10Min {
		s.VisibleUntil = now.Add(VisibleFor)
	}
}

// VisibleAt reports whether this device should be announced at time now.
func (s Settings) VisibleAt(now time.Time) bool {
	switch s.Visibility {
	case VisibilityHidden:
		return false
	case VisibilityVisible10Min:
		return now.Before(s.VisibleUntil)
	}
	return true
}

// cleanDeviceName drops control characters and surrounding spaces and cuts
// the name to MaxDeviceNameBytes on a character boundary.
func cleanDeviceName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > MaxDeviceNameBytes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return strings.TrimSpace(name)
}

func defaultDeviceName() string {
	if h, err := os.Hostname(); err == nil {
		if n := cleanDeviceName(prettyHostname(h)); n != "" {
			return n
		}
	}
	if u, err := user.Current(); err == nil {
		for _, n := range []string{u.Name, u.Username} {
			if n = cleanDeviceName(n); n != "" {
				return n
			}
		}
	}
	return "Lempar"
}

// prettyHostname turns "budis-thinkpad.local" into "Budis Thinkpad" and
// "sari_pc" into "Sari PC"; words with capitals are left as their owner
// wrote them ("Budis-MacBook-Pro" → "Budis MacBook Pro").
func prettyHostname(h string) string {
	h = strings.TrimSpace(h)
	if i := strings.IndexByte(h, '.'); i >= 0 {
		h = h[:i]
	}
	if strings.EqualFold(h, "localhost") {
		return ""
	}
	words := strings.FieldsFunc(h, func(r rune) bool { return r == '-' || r == '_' || r == ' ' })
	for i, w := range words {
		if w != strings.ToLower(w) {
			continue
		}
		if len(w) <= 2 {
			words[i] = strings.ToUpper(w) // pc, hp, nb: almost always initials
			continue
		}
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[size:]
	}
	return strings.Join(words, " ")
}

// defaultDownloadDir is <Downloads>/Lempar, where <Downloads> is the XDG
// download folder on Linux (it has a local name, e.g. ~/Unduhan), else
// ~/Downloads if it exists; without one, ~/Lempar.
func defaultDownloadDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		if abs, err := filepath.Abs("Lempar"); err == nil {
			return abs
		}
		return "Lempar"
	}
	if d := xdgDownloadDir(home); d != "" && isDir(d) {
		return filepath.Join(d, "Lempar")
	}
	if d := filepath.Join(home, "Downloads"); isDir(d) {
		return filepath.Join(d, "Lempar")
	}
	return filepath.Join(home, "Lempar")
}

// xdgDownloadDir reads XDG_DOWNLOAD_DIR from user-dirs.dirs, the file
// xdg-user-dirs writes: lines like XDG_DOWNLOAD_DIR="$HOME/Unduhan".
func xdgDownloadDir(home string) string {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return ""
	}
	cfg := os.Getenv("XDG_CONFIG_HOME")
	if cfg == "" {
		cfg = filepath.Join(home, ".config")
	}
	b, err := os.ReadFile(filepath.Join(cfg, "user-dirs.dirs"))
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(b)) {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "XDG_DOWNLOAD_DIR=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		switch {
		case v == "$HOME" || v == "$HOME/":
			return "" // "no download folder" in xdg-user-dirs' language
		case strings.HasPrefix(v, "$HOME/"):
			return filepath.Join(home, v[len("$HOME/"):])
		case filepath.IsAbs(v):
			return v
		}
	}
	return ""
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
