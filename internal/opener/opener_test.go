//go:build !windows && !darwin

package opener

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/i18n"
)

// stub makes PATH a folder holding only the programs named, each
// recording its arguments, one per line, in dir/<name>.args and exiting
// with its code.
func stub(t *testing.T, codes map[string]int) string {
	t.Helper()
	dir := t.TempDir()
	for n, code := range codes {
		script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"" + filepath.Join(dir, n) + ".args\"\nexit " + strconv.Itoa(code) + "\n"
		if err := os.WriteFile(filepath.Join(dir, n), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	return dir
}

func args(t *testing.T, dir, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name+".args"))
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestOpenRunsXdgOpenWithTheFile(t *testing.T) {
	dir := stub(t, map[string]int{"xdg-open": 0})
	p := "/home/sari/Unduhan/laporan akhir, v2.pdf"
	if err := Open(p); err != nil {
		t.Fatal(err)
	}
	if got := args(t, dir, "xdg-open"); len(got) != 1 || got[0] != p {
		t.Fatalf("xdg-open got %q, want the file's own path", got)
	}
}

func TestRevealSelectsThroughFileManager1(t *testing.T) {
	dir := stub(t, map[string]int{"dbus-send": 0, "xdg-open": 0})
	a, b := "/home/sari/Unduhan/a, b.pdf", "/home/sari/Unduhan/Liburan"
	if err := Reveal([]string{a, b}); err != nil {
		t.Fatal(err)
	}
	got := args(t, dir, "dbus-send")
	want := "array:string:file:///home/sari/Unduhan/a%2C%20b.pdf,file:///home/sari/Unduhan/Liburan"
	if len(got) < 2 || got[len(got)-2] != want || got[len(got)-3] != "org.freedesktop.FileManager1.ShowItems" {
		t.Fatalf("dbus-send got %q, want ShowItems %s", got, want)
	}
	if args(t, dir, "xdg-open") != nil {
		t.Error("xdg-open ran although the file manager showed the files")
	}
}

func TestRevealFallsBackToTheFolder(t *testing.T) {
	// dbus-send fails: no file manager serves FileManager1.
	stubOK := stub(t, map[string]int{"dbus-send": 1, "xdg-open": 0})
	if err := Reveal([]string{"/home/sari/Unduhan/a.pdf"}); err != nil {
		t.Fatal(err)
	}
	if got := args(t, stubOK, "xdg-open"); len(got) != 1 || got[0] != "/home/sari/Unduhan" {
		t.Fatalf("xdg-open got %q, want the folder", got)
	}
}

func TestNoFileManagerSaysSo(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // nothing at all
	err := Reveal([]string{"/home/sari/Unduhan/a.pdf"})
	var oe *Error
	if !errors.As(err, &oe) || oe.Key != "err.open.no-file-manager" {
		t.Fatalf("Reveal = %v, want no-file-manager", err)
	}
	if s := oe.Localize(i18n.Load("en")); !strings.HasPrefix(s, "No file manager found to open this folder") || strings.Contains(s, "exec:") {
		t.Errorf("English: %q", s)
	}
	if s := oe.Localize(i18n.Load("id")); !strings.HasPrefix(s, "Tidak ada pengelola berkas") {
		t.Errorf("Indonesian: %q", s)
	}
	err = Open("/home/sari/Unduhan/a.pdf")
	if !errors.As(err, &oe) || oe.Key != "err.open.no-program" {
		t.Fatalf("Open = %v, want no-program", err)
	}
}

func TestFailingOpenerIsAnError(t *testing.T) {
	stub(t, map[string]int{"xdg-open": 4})
	start := time.Now()
	err := Open("/x/a.pdf")
	var oe *Error
	if !errors.As(err, &oe) || oe.Key != "err.open.failed" {
		t.Fatalf("Open = %v, want failed", err)
	}
	if time.Since(start) > settle {
		t.Error("waited for the settle time although the program had exited")
	}
}
