package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lempar/lempar/ui/uitest"
)

// TestSettingsLocalSendOptions: the HTTP box saves at once; the PIN saves
// after a pause, an invalid one never (and the field says why); with
// LocalSend off both are disabled.
func TestSettingsLocalSendOptions(t *testing.T) {
	f := uitest.NewFake(SelfInfo{Name: "Budi's ThinkPad", ID: "a3f9c0de", Visibility: Visible},
		Settings{DeviceName: "Budi's ThinkPad", DownloadDir: "/home/budi/Downloads/Lempar", Visibility: Visible, Language: LangEnglish, Port: 47110, LocalSend: true})
	g, c := openTestGUI(t, f)
	g.show(screenSettings)
	sw := g.w.settingsForm
	if sw.lsHTTP.Disabled() || sw.lsPIN.Disabled() {
		t.Fatal("LocalSend's options are disabled while it is on")
	}
	tapCheck(sw.lsHTTP)
	if s := last(f.Saved()); !s.LocalSendHTTP {
		t.Fatalf("HTTP not saved: %+v", s)
	}

	test.Type(sw.lsPIN, "24\t68")
	c.Advance(time.Second)
	if last(f.Saved()).LocalSendPIN != "" {
		t.Fatalf("a PIN with a tab was saved: %q", last(f.Saved()).LocalSendPIN)
	}
	if err := sw.lsPIN.Validate(); err == nil {
		t.Fatal("a PIN with a tab passed validation")
	}
	sw.lsPIN.SetText("")
	test.Type(sw.lsPIN, "2468")
	c.Advance(time.Second)
	if s := last(f.Saved()); s.LocalSendPIN != "2468" || !s.LocalSendHTTP {
		t.Fatalf("PIN not saved (or the HTTP change lost): %+v", s)
	}
	if checkPIN("123456789012345678901234567890123") == nil || checkPIN("") != nil || checkPIN("kode ✓") != nil {
		t.Error("checkPIN's bounds are off")
	}

	// LocalSend off: its options can't be changed.
	on := f.Settings().LocalSend
	tapCheck(sw.localSend)
	if last(f.Saved()).LocalSend == on || sw.lsHTTP.Disabled() != on || sw.lsPIN.Disabled() != on {
		t.Fatalf("LocalSend %v -> %v: HTTP disabled %v, PIN disabled %v", on, !on, sw.lsHTTP.Disabled(), sw.lsPIN.Disabled())
	}
}
