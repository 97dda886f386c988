package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/i18n"
)

// fakeHome points HOME and XDG_CONFIG_HOME at a temp dir so defaults don't
// depend on (or touch) the real account.
func fakeHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	return home
}

func TestDefaultDownloadDir(t *testing.T) {
	home := fakeHome(t)
	if got, want := defaultDownloadDir(), filepath.Join(home, "Lempar"); got != want {
		t.Errorf("without Downloads: %q, want %q", got, want)
	}
	os.Mkdir(filepath.Join(home, "Downloads"), 0o755)
	if got, want := defaultDownloadDir(), filepath.Join(home, "Downloads", "Lempar"); got != want {
		t.Errorf("with Downloads: %q, want %q", got, want)
	}
	if runtime.GOOS != "linux" {
		return
	}
	// An Indonesian desktop names the folder Unduhan.
	os.MkdirAll(filepath.Join(home, ".config"), 0o700)
	os.Mkdir(filepath.Join(home, "Unduhan"), 0o755)
	dirs := "# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\nXDG_DOWNLOAD_DIR=\"$HOME/Unduhan\"\n"
	os.WriteFile(filepath.Join(home, ".config", "user-dirs.dirs"), []byte(dirs), 0o600)
	if got, want := defaultDownloadDir(), filepath.Join(home, "Unduhan", "Lempar"); got != want {
		t.Errorf("with XDG_DOWNLOAD_DIR: %q, want %q", got, want)
	}
	// A configured folder that doesn't exist is ignored.
	os.WriteFile(filepath.Join(home, ".config", "user-dirs.dirs"), []byte("XDG_DOWNLOAD_DIR=\"/nonexistent/dl\"\n"), 0o600)
	if got, want := defaultDownloadDir(), filepath.Join(home, "Downloads", "Lempar"); got != want {
		t.Errorf("with a missing XDG folder: %q, want %q", got, want)
	}
}

func TestPrettyHostname(t *testing.T) {
	for in, want := range map[string]string{
		"budis-thinkpad":          "Budis Thinkpad",
		"budis-thinkpad.local":    "Budis Thinkpad",
		"sari_pc":                 "Sari PC",
		"Budis-MacBook-Pro.local": "Budis MacBook Pro",
		"DESKTOP-AB12CD":          "DESKTOP AB12CD",
		"lab-03.example.org":      "Lab 03",
		"localhost":               "",
		"localhost.localdomain":   "",
		"":                        "",
	} {
		if got := prettyHostname(in); got != want {
			t.Errorf("prettyHostname(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadSettingsDefaults(t *testing.T) {
	home := fakeHome(t)
	dir := t.TempDir()
	s, err := LoadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.DeviceName == "" || len(s.DeviceName) > MaxDeviceNameBytes {
		t.Errorf("device name %q", s.DeviceName)
	}
	if s.DownloadDir != filepath.Join(home, "Lempar") || s.Port != DefaultPort || !s.LocalSend ||
		s.Visibility != VisibilityVisible || s.Language != "" || s.AutoAcceptKnown || s.StartAtLogin {
		t.Errorf("defaults: %+v", s)
	}
	if _, err := os.Stat(filepath.Join(dir, SettingsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("loading wrote a file: %v", err)
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	fakeHome(t)
	dir := filepath.Join(t.TempDir(), "cfg")
	until := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	want := Settings{
		DeviceName: "Ayu's Laptop", DownloadDir: "/srv/inbox", Visibility: VisibilityVisible10Min,
		VisibleUntil: until, AutoAcceptKnown: true, Language: "id", Port: 40000,
		LocalSend: false, StartAtLogin: true,
	}
	if err := SaveSettings(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := LoadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !got.VisibleUntil.Equal(until) {
		t.Errorf("VisibleUntil %v, want %v", got.VisibleUntil, until)
	}
	got.VisibleUntil = want.VisibleUntil
	if got != want {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if runtime.GOOS != "windows" {
		assertMode(t, filepath.Join(dir, SettingsFile), 0o600)
		assertMode(t, dir, 0o700)
	}
}

// An older file lacks newer fields; they must get their defaults, not the
// zero value (LocalSend would silently turn off).
func TestSettingsMissingFieldsKeepDefaults(t *testing.T) {
	fakeHome(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, SettingsFile), []byte(`{"deviceName": "Old"}`), 0o600)
	s, err := LoadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.DeviceName != "Old" || !s.LocalSend || s.Port != DefaultPort || s.Visibility != VisibilityVisible {
		t.Errorf("got %+v", s)
	}
}

func TestSettingsNormalized(t *testing.T) {
	home := fakeHome(t)
	s := Settings{
		DeviceName:  "  \x1b[31mEvil\tName\n" + strings.Repeat("é", 40),
		DownloadDir: "~/Inbox",
		Visibility:  "sometimes",
		Language:    "fr",
		Port:        70000,
	}.Normalized()
	if strings.ContainsAny(s.DeviceName, "\x1b\t\n") || len(s.DeviceName) > MaxDeviceNameBytes ||
		!strings.HasPrefix(s.DeviceName, "[31mEvilName") {
		t.Errorf("device name %q (%d bytes)", s.DeviceName, len(s.DeviceName))
	}
	if s.DownloadDir != filepath.Join(home, "Inbox") || s.Visibility != VisibilityVisible ||
		s.Language != "" || s.Port != DefaultPort {
		t.Errorf("got %+v", s)
	}
	if s := (Settings{DeviceName: "   "}).Normalized(); strings.TrimSpace(s.DeviceName) == "" {
		t.Error("blank device name kept")
	}
}

func TestVisibility(t *testing.T) {
	now := time.Now()
	var s Settings
	s.SetVisibility(VisibilityVisible10Min, now)
	if !s.VisibleAt(now) || !s.VisibleAt(now.Add(VisibleFor-time.Second)) || s.VisibleAt(now.Add(VisibleFor)) {
		t.Errorf("10-minute visibility wrong: until %v", s.VisibleUntil)
	}
	s.SetVisibility(VisibilityHidden, now)
	if s.VisibleAt(now) || !s.VisibleUntil.IsZero() {
		t.Error("hidden is visible")
	}
	s.SetVisibility(VisibilityVisible, now)
	if !s.VisibleAt(now.Add(100 * time.Hour)) {
		t.Error("visible is hidden")
	}
}

func TestSettingsCorrupt(t *testing.T) {
	fakeHome(t)
	dir := t.TempDir()
	p := filepath.Join(dir, SettingsFile)
	garbage := []byte(`{"deviceName": "half`)
	os.WriteFile(p, garbage, 0o600)
	s, err := LoadSettings(dir)
	var se *StoreError
	if !errors.As(err, &se) || !se.Corrupt() {
		t.Fatalf("LoadSettings(corrupt) error = %v, want a corrupt-file StoreError", err)
	}
	if s != DefaultSettings() {
		t.Errorf("corrupt file gave %+v, want defaults", s)
	}
	if b, err := os.ReadFile(p + ".bad"); err != nil || string(b) != string(garbage) {
		t.Errorf("damaged file not kept aside: %q, %v", b, err)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("damaged file still in place: %v", err)
	}
	for _, lang := range i18n.Locales {
		msg := se.Localize(i18n.Load(lang))
		if !strings.Contains(msg, p) || !strings.Contains(msg, p+".bad") {
			t.Errorf("%s: %q should name the file and where it went", lang, msg)
		}
	}
	// The next load is clean again.
	if _, err := LoadSettings(dir); err != nil {
		t.Errorf("second load: %v", err)
	}
}

// Writers racing each other and readers always leave a whole file: every
// load parses, the last save wins, and no temporary file is left behind.
func TestSettingsConcurrentSaves(t *testing.T) {
	fakeHome(t)
	dir := t.TempDir()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				s := DefaultSettings()
				s.DeviceName = fmt.Sprintf("writer %d save %d %s", i, j, strings.Repeat("x", i*5))
				if err := SaveSettings(dir, s); err != nil {
					t.Error(err)
					return
				}
				if _, err := LoadSettings(dir); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	last := DefaultSettings()
	last.DeviceName = "last"
	if err := SaveSettings(dir, last); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadSettings(dir); err != nil || got.DeviceName != "last" {
		t.Errorf("after the last save: %q, %v", got.DeviceName, err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("config dir holds %v, want only %s", names, SettingsFile)
	}
}
