package interop

import (
	"path/filepath"
	"testing"
	"time"
)

func TestLocalSendPINAndDecline(t *testing.T) {
	r := newRig(t)
	src := filepath.Join(t.TempDir(), "surat.pdf")
	data := randFile(t, src, 300_000)

	t.Run("Lempar asks LocalSend senders for a PIN", func(t *testing.T) {
		dl := filepath.Join(t.TempDir(), "Lempar")
		lem := r.lempar(helperCfg{Accept: "yes", DownloadDir: dl, PIN: "4321"})
		for _, c := range []struct{ pin, code string }{{"", "localsend-pin-required"}, {"123456", "localsend-pin-wrong"}} {
			snd := r.ls("ls-send", "send", "--protocol", "https", "--pin", c.pin, lemparIP, src)
			if code := snd.Exit(30 * time.Second); code == 0 {
				t.Fatalf("pin %q: sent anyway:\n%s", c.pin, snd.Output())
			}
			if ref := lem.line(func(l evLine) bool { return l.Kind == "refused" }, 5*time.Second); ref.Code != c.code {
				t.Fatalf("pin %q: refused with %+v", c.pin, ref)
			}
		}
		snd := r.ls("ls-send", "send", "--protocol", "https", "--pin", "4321", lemparIP, src)
		if code := snd.Exit(30 * time.Second); code != 0 {
			t.Fatalf("right PIN: exit %d:\n%s", code, snd.Output())
		}
		if ev := lem.line(func(l evLine) bool { return l.Direction == "in" && isFinal(l) }, 10*time.Second); ev.State != "done" {
			t.Fatalf("%+v", ev)
		}
		waitTree(t, dl, map[string][]byte{"surat.pdf": data})
		lem.stop()
	})

	t.Run("LocalSend asks Lempar for a PIN", func(t *testing.T) {
		save := filepath.Join(t.TempDir(), "ls")
		recv := r.ls("ls-receive", "receive", "--alias", "LS-PIN", "--saveDir", save, "--pin", "9999")
		recv.expect("Server started on port 53317", 15*time.Second)
		lem := r.lempar(helperCfg{Accept: "yes"})
		peer := lem.line(func(l evLine) bool { return l.Kind == "peer" && l.PeerName == "LS-PIN" }, 20*time.Second)
		lem.send(command{Op: "send", Peer: peer.PeerID, Paths: []string{src}})
		if s := lem.line(func(l evLine) bool { return l.Kind == "sent" }, 30*time.Second); s.State != "failed" || s.Code != "localsend-pin-required" {
			t.Fatalf("without a prompt: %+v", s)
		}
		lem.send(command{Op: "send", Peer: peer.PeerID, Paths: []string{src}, PINs: []string{"1111", "9999"}})
		if s := lem.line(func(l evLine) bool { return l.Kind == "sent" }, 30*time.Second); s.State != "done" {
			t.Fatalf("wrong, then right PIN: %+v", s)
		}
		waitTree(t, save, map[string][]byte{"surat.pdf": data})
		lem.send(command{Op: "send", Peer: peer.PeerID, Text: "x", PINs: []string{"1", "2"}})
		if s := lem.line(func(l evLine) bool { return l.Kind == "sent" }, 30*time.Second); s.State != "cancelled" {
			t.Fatalf("out of PINs (the person gave up): %+v", s)
		}
		recv.stop()
		lem.stop()
	})

	t.Run("Lempar declines", func(t *testing.T) {
		dl := filepath.Join(t.TempDir(), "Lempar")
		lem := r.lempar(helperCfg{Accept: "no", DownloadDir: dl})
		snd := r.ls("ls-send", "send", "--protocol", "https", lemparIP, src)
		if code := snd.Exit(30 * time.Second); code == 0 {
			t.Fatalf("declined, but localsend says sent:\n%s", snd.Output())
		}
		ev := lem.line(func(l evLine) bool { return l.Direction == "in" && isFinal(l) }, 10*time.Second)
		if ev.State != "declined" || ev.Code != "declined-local" {
			t.Fatalf("%+v", ev)
		}
		if n := len(contents(t, dl)); n != 0 {
			t.Fatalf("a declined offer left %d files", n)
		}
		lem.stop()
	})

	t.Run("LocalSend declines", func(t *testing.T) {
		save := filepath.Join(t.TempDir(), "ls")
		recv := r.ls("ls-receive", "receive", "--alias", "LS-Ask", "--saveDir", save)
		recv.expect("Server started on port 53317", 15*time.Second)
		lem := r.lempar(helperCfg{Accept: "yes"})
		peer := lem.line(func(l evLine) bool { return l.Kind == "peer" && l.PeerName == "LS-Ask" }, 20*time.Second)
		lem.send(command{Op: "send", Peer: peer.PeerID, Paths: []string{src}})
		recv.expect("Accept transfer? (y/N): ", 20*time.Second)
		recv.input("n\n")
		if s := lem.line(func(l evLine) bool { return l.Kind == "sent" }, 30*time.Second); s.State != "declined" || s.Code != "declined" {
			t.Fatalf("%+v", s)
		}
		if n := len(contents(t, save)); n != 0 {
			t.Fatalf("declined, yet %d files arrived", n)
		}
	})
}
