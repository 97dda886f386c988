package app

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lempar/lempar/internal/i18n"
)

func TestConfigDirPrecedence(t *testing.T) {
	base := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(base, "xdg"))
	t.Setenv("HOME", filepath.Join(base, "home"))
	t.Setenv(EnvConfigDir, "")

	got, err := ConfigDir("")
	if want := filepath.Join(base, "xdg", "lempar"); err != nil || got != want {
		t.Errorf("default: got %q, %v; want %q", got, err, want)
	}

	t.Setenv(EnvConfigDir, filepath.Join(base, "env"))
	if got, err := ConfigDir(""); err != nil || got != filepath.Join(base, "env") {
		t.Errorf("env: got %q, %v", got, err)
	}
	if got, err := ConfigDir(filepath.Join(base, "flag")); err != nil || got != filepath.Join(base, "flag") {
		t.Errorf("flag beats env: got %q, %v", got, err)
	}
	if got, err := ConfigDir("~/id2"); err != nil || got != filepath.Join(base, "home", "id2") {
		t.Errorf("~ expansion: got %q, %v", got, err)
	}

	t.Chdir(base)
	got, err = ConfigDir("rel/dir")
	if err != nil || got != filepath.Join(base, "rel", "dir") {
		t.Errorf("relative flag: got %q, %v; want an absolute path", got, err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(got)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("config dir mode = %v, %v; want 0700", fi.Mode().Perm(), err)
		}
	}
}

func TestConfigDirIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ConfigDir(file)
	var se *StoreError
	if !errors.As(err, &se) || se.Key != "err.config.dir" {
		t.Fatalf("ConfigDir(file) = %v, want a config dir StoreError", err)
	}
	for _, lang := range i18n.Locales {
		s := se.Localize(i18n.Load(lang))
		if !strings.Contains(s, file) || !strings.Contains(s, "--config") {
			t.Errorf("%s: %q should name the folder and the way out", lang, s)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	p := filepath.Join(dir, "f.json")
	for _, content := range []string{"first", "second, longer than the first", "3"} {
		if err := writeFileAtomic(p, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(p); err != nil || string(b) != content {
			t.Fatalf("read back %q, %v; want %q", b, err, content)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temporary files left behind: %v", ents)
	}
	if runtime.GOOS != "windows" {
		assertMode(t, p, 0o600)
		assertMode(t, dir, 0o700)
	}

	// A write that fails at the last step (the rename: the target is a
	// non-empty folder) leaves no temporary behind.
	blocker := filepath.Join(dir, "blocker")
	if err := os.MkdirAll(filepath.Join(blocker, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(blocker, []byte("nope")); err == nil {
		t.Error("replacing a non-empty folder succeeded")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("after a failed write the folder holds %v", ents)
	}
}

func assertMode(t *testing.T, p string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != want {
		t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
	}
}
