//go:build !windows && !darwin

package ui

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// stubOpeners puts an xdg-open and a dbus-send on PATH that write their
// arguments, one per line, to dir/<name>.args.
func stubOpeners(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range []string{"xdg-open", "dbus-send"} {
		script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"" + filepath.Join(dir, n) + ".args\"\n"
		if err := os.WriteFile(filepath.Join(dir, n), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	return dir
}

func stubArgs(t *testing.T, dir, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name+".args"))
	if err != nil {
		t.Fatalf("%s was not run: %v", name, err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// A transfer row's Open and Show in folder go through the history's
// opener with the received file's own path, never Fyne's OpenURL.
func TestTransferRowOpensTheFilesOwnPath(t *testing.T) {
	dir := stubOpeners(t)
	g, f, _ := newTestGUI(t, LangEnglish)
	saved := "/home/budi/Downloads/Lempar/Laporan Q3 (1).pdf"
	f.Emit(TransferUpdated{Transfer: TransferInfo{ID: "r", Direction: Incoming, PeerName: "Sari-PC", Name: "Laporan Q3.pdf",
		Count: 1, Kind: KindFile, Total: 10, Done: 10, State: Done, SavedTo: saved, Paths: []string{saved}}})
	drain(g)
	r := renderedRow(t, g, 0)

	test.Tap(r.open)
	if got := stubArgs(t, dir, "xdg-open"); !reflect.DeepEqual(got, []string{saved}) {
		t.Errorf("Open ran xdg-open %q, want the file %q", got, saved)
	}
	test.Tap(r.reveal)
	got := stubArgs(t, dir, "dbus-send")
	if want := "array:string:file:///home/budi/Downloads/Lempar/Laporan%20Q3%20%281%29.pdf"; !contains(got, want) {
		t.Errorf("Show in folder ran dbus-send %q, want it to select %s", got, want)
	}
	if top := g.win.Canvas().Overlays().Top(); top != nil {
		t.Errorf("an error was shown: %q", overlayTexts(g))
	}
}
