package interop

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLocalSendCancelWhileWaiting: cancel before the person answered,
// from each side, and each side's row says who cancelled. (Cancel while
// transferring: TestLocalSendInterop's "cancel mid-transfer both ways" and
// "LocalSend cancelled by Lempar", and the sender's kill below.)
func TestLocalSendCancelWhileWaiting(t *testing.T) {
	r := newRig(t)
	src := filepath.Join(t.TempDir(), "laporan.pdf")
	randFile(t, src, 200_000)
	in := func(lem *proc) evLine {
		t.Helper()
		return lem.line(func(l evLine) bool { return l.Kind == "event" && l.Direction == "in" && isFinal(l) }, 30*time.Second)
	}

	t.Run("Lempar's person cancels the LocalSend sender's offer", func(t *testing.T) {
		dl := filepath.Join(t.TempDir(), "Lempar")
		lem := r.lempar(helperCfg{Accept: "wait", DownloadDir: dl})
		defer lem.stop()
		snd := r.ls("ls-send", "send", "--protocol", "https", "--alias", "LS-Ayu", lemparIP, src)
		asked := lem.line(func(l evLine) bool { return l.Kind == "asked" }, 30*time.Second)
		lem.send(command{Op: "cancel-in", Session: asked.Session})
		if ev := in(lem); ev.State != "cancelled" || ev.Code != "cancelled" {
			t.Fatalf("Lempar's row: %+v", ev)
		}
		// localsend's sender hears the refusal and stops (it says only
		// that the upload wasn't prepared).
		if code := snd.Exit(20 * time.Second); code == 0 || !strings.Contains(snd.Output(), "Failed to prepare upload") {
			t.Fatalf("localsend sender: exit %d:\n%s", code, snd.Output())
		}
		if n := len(contents(t, dl)); n != 0 {
			t.Fatalf("%d files arrived", n)
		}
	})

	t.Run("the LocalSend sender gives up while Lempar's person decides", func(t *testing.T) {
		dl := filepath.Join(t.TempDir(), "Lempar")
		lem := r.lempar(helperCfg{Accept: "wait", DownloadDir: dl})
		defer lem.stop()
		snd := r.ls("ls-send", "send", "--protocol", "https", "--alias", "LS-Ayu", lemparIP, src)
		lem.line(func(l evLine) bool { return l.Kind == "asked" }, 30*time.Second)
		snd.stop() // its only way to cancel: the request goes away
		if ev := in(lem); ev.State != "cancelled" || ev.Code != "peer-cancelled" || ev.PeerName != "LS-Ayu" {
			t.Fatalf("Lempar's row: %+v", ev)
		}
	})

	t.Run("Lempar's sender cancels while the LocalSend person decides", func(t *testing.T) {
		save := filepath.Join(t.TempDir(), "ls")
		recv := r.ls("ls-receive", "receive", "--alias", "LS-Ask", "--saveDir", save)
		defer recv.stop()
		recv.expect("Server started on port 53317", 15*time.Second)
		lem := r.lempar(helperCfg{Accept: "yes"})
		defer lem.stop()
		lem.send(command{Op: "send", ID: "s1", Addr: lsIP + ":53317", Paths: []string{src}})
		recv.expect("Accept transfer? (y/N): ", 30*time.Second)
		lem.send(command{Op: "stop", ID: "s1"})
		if s := lem.line(func(l evLine) bool { return l.Kind == "sent" }, 30*time.Second); s.State != "cancelled" || s.Code != "cancelled" {
			t.Fatalf("Lempar's row: %+v", s)
		}
		// Its person says yes too late: nothing comes.
		recv.input("y\n")
		time.Sleep(500 * time.Millisecond) // give a wrong upload the chance to show; the check is that none does
		if n := len(contents(t, save)); n != 0 {
			t.Fatalf("%d files arrived after the cancel", n)
		}
	})

	t.Run("the LocalSend sender dies mid-upload", func(t *testing.T) {
		dl := filepath.Join(t.TempDir(), "Lempar")
		lem := r.lempar(helperCfg{Accept: "yes", DownloadDir: dl})
		defer lem.stop()
		big := filepath.Join(t.TempDir(), "mid.bin")
		randFile(t, big, 45<<20)
		r.shape(lemparHost, "200mbit")
		defer r.unshape(lemparHost)
		snd := r.ls("ls-send", "send", "--protocol", "https", "--alias", "LS-Ayu", lemparIP, big)
		lem.line(func(l evLine) bool { return l.Kind == "event" && l.Direction == "in" && l.Done >= 4<<20 }, 60*time.Second)
		killed := time.Now()
		snd.stop()
		ev := in(lem)
		if ev.State != "failed" || ev.Code != "connection-lost" || ev.Done >= ev.Total {
			t.Fatalf("Lempar's row: %+v", ev)
		}
		if d := time.Since(killed); d > 10*time.Second {
			t.Fatalf("took %v to notice (the stall limit, not the lost connection)", d)
		}
		waitEmpty(t, dl)
	})
}
