package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStartAtLoginXDG(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	entry := filepath.Join(cfg, "autostart", "io.lempar.app.desktop")

	if on, err := StartsAtLogin(); err != nil || on {
		t.Fatalf("fresh: StartsAtLogin = %v, %v", on, err)
	}
	if err := SetStartAtLogin(false, ""); err != nil {
		t.Fatalf("turning off what was never on: %v", err)
	}
	if err := SetStartAtLogin(true, "/opt/Lempar 2/lempar"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[Desktop Entry]\n", "Type=Application\n", `Exec="/opt/Lempar 2/lempar" --background` + "\n", "Comment[id]=Terima berkas"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("entry lacks %q:\n%s", want, b)
		}
	}
	if on, err := StartsAtLogin(); err != nil || !on {
		t.Errorf("after enabling: StartsAtLogin = %v, %v", on, err)
	}

	// The session's startup settings may switch the entry off in place.
	if err := os.WriteFile(entry, append(b, "X-GNOME-Autostart-enabled=false\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if on, _ := StartsAtLogin(); on {
		t.Error("an entry switched off by the session counts as on")
	}

	if err := SetStartAtLogin(true, ""); err != nil { // the running program
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	if b, _ := os.ReadFile(entry); !strings.Contains(string(b), "Exec="+desktopExec(exe)+" --background\n") {
		t.Errorf("entry does not start %s:\n%s", exe, b)
	}
	if err := SetStartAtLogin(false, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(entry); !os.IsNotExist(err) {
		t.Errorf("entry still there after disabling: %v", err)
	}
	if on, err := StartsAtLogin(); err != nil || on {
		t.Errorf("after disabling: StartsAtLogin = %v, %v", on, err)
	}
}

func TestStartAtLoginUnwritable(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	// a file where the autostart folder should be: even root can't write into it
	if err := os.WriteFile(filepath.Join(cfg, "autostart"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := SetStartAtLogin(true, "/usr/bin/lempar")
	se, ok := err.(*StoreError)
	if !ok || se.Key != "err.autostart.write" || !strings.Contains(err.Error(), filepath.Join(cfg, "autostart")) {
		t.Fatalf("err = %v (%T), want err.autostart.write naming the folder", err, err)
	}
}

func TestDesktopExec(t *testing.T) {
	cases := map[string]string{
		"/usr/bin/lempar":          "/usr/bin/lempar",
		"/opt/My Apps/lempar":      `"/opt/My Apps/lempar"`,
		"/home/a/100%/lempar":      "/home/a/100%%/lempar",
		`/home/a/$HOME "x"/lempar`: `"/home/a/\\$HOME \\"x\\"/lempar"`,
		`/home/a/back\slash`:       `"/home/a/back\\\\slash"`,
	}
	for in, want := range cases {
		if got := desktopExec(in); got != want {
			t.Errorf("desktopExec(%q) = %s, want %s", in, got, want)
		}
	}
}
