package interop

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestLocalSendBigFile moves 1 GiB each way and reports the throughput. It
// takes a minute or two and 2 GiB of temporary disk, so it runs only with
// LEMPAR_LOCALSEND_BIG=1.
func TestLocalSendBigFile(t *testing.T) {
	if os.Getenv("LEMPAR_LOCALSEND_BIG") != "1" {
		t.Skip("skipping: set LEMPAR_LOCALSEND_BIG=1 to move 1 GiB each way")
	}
	r := newRig(t)
	const size = 1 << 30
	src := filepath.Join(t.TempDir(), "big.iso")
	randFile(t, src, size)
	want := fileHash(t, src)

	save := filepath.Join(t.TempDir(), "ls")
	recv := r.ls("ls-receive", "receive", "--alias", "LS-Big", "--saveDir", save, "--autoAccept")
	recv.expect("Server started on port 53317", 15*time.Second)
	dl := filepath.Join(t.TempDir(), "Lempar")
	lem := r.lempar(helperCfg{Accept: "yes", DownloadDir: dl})
	peer := lem.line(func(l evLine) bool { return l.Kind == "peer" && l.PeerName == "LS-Big" }, 20*time.Second)

	// Lempar → LocalSend: from the accepted offer to the last byte written
	// on the other side.
	lem.send(command{Op: "send", Peer: peer.PeerID, Paths: []string{src}})
	start := lem.line(func(l evLine) bool { return l.State == "sending" }, 30*time.Second).At
	sent := lem.line(func(l evLine) bool { return l.Kind == "sent" }, 5*time.Minute)
	if sent.State != "done" {
		t.Fatalf("%+v", sent)
	}
	out := filepath.Join(save, "big.iso")
	waitSize(t, out, size)
	el := time.Since(start)
	if got := fileHash(t, out); got != want {
		t.Fatal("LocalSend's copy differs")
	}
	t.Logf("Lempar → LocalSend (localsend@0.1.2 receiver, HTTP): 1 GiB in %v = %.0f MB/s", el.Round(time.Millisecond), size/el.Seconds()/1e6)
	os.Remove(out)
	recv.stop()

	// LocalSend → Lempar, through its interactive CLI (its plain "send"
	// fails on files over 50 MB): HTTPS, 10 MB X-Content-Range pieces.
	p := startProc(t, "ls-interactive", r.lan.Command(lsHost, r.node, r.interactive, "--port", "53318", "--alias", "LS-Big-Send"))
	p.expect("Enter your choice (1-6): ", 15*time.Second)
	p.input("1\n")
	p.expect("Press Enter to return to main menu...", 20*time.Second)
	p.input("\n")
	p.expect("Enter your choice (1-6): ", 5*time.Second)
	p.input("3\n")
	list := p.expect("Enter device number: ", 5*time.Second)
	m := regexp.MustCompile(`(?m)^\s*(\d+)\. Lempar Box \(` + regexp.QuoteMeta(lemparIP) + `:53317\)`).FindStringSubmatch(list)
	if m == nil {
		t.Fatalf("Lempar is not in the list:\n%s", list)
	}
	p.input(m[1] + "\n")
	p.expect("Enter absolute path to file: ", 5*time.Second)
	p.input(src + "\n")
	p.expect("Enter PIN (leave empty if none required): ", 5*time.Second)
	p.input("\n")
	in := lem.line(func(l evLine) bool { return l.Direction == "in" && l.State == "sending" }, time.Minute)
	fin := lem.line(func(l evLine) bool { return l.Direction == "in" && isFinal(l) }, 5*time.Minute)
	if fin.State != "done" {
		t.Fatalf("%+v", fin)
	}
	el = fin.At.Sub(in.At)
	if got := fileHash(t, filepath.Join(dl, "big.iso")); got != want {
		t.Fatal("Lempar's copy differs")
	}
	t.Logf("LocalSend → Lempar (localsend@0.1.2 sender, HTTPS, 10 MB pieces): 1 GiB in %v = %.0f MB/s", el.Round(time.Millisecond), size/el.Seconds()/1e6)
	p.stop()
	os.Remove(filepath.Join(dl, "big.iso"))

	// The reference on the same link and disks: Lempar to Lempar.
	dl2 := filepath.Join(t.TempDir(), "Lempar2")
	other := r.lemparOn(lsHost, helperCfg{Accept: "yes", DownloadDir: dl2, Name: "Lempar Two"})
	port := ""
	for _, ln := range strings.Split(other.Output(), "\n") {
		var l evLine
		if json.Unmarshal([]byte(ln), &l) == nil && l.Kind == "listen" {
			port = l.Addr
		}
	}
	lem.send(command{Op: "lempar", Addr: lsIP + ":" + port, Paths: []string{src}})
	st := other.line(func(l evLine) bool { return l.Direction == "in" && l.State == "sending" }, time.Minute)
	fin = other.line(func(l evLine) bool { return l.Direction == "in" && isFinal(l) }, 5*time.Minute)
	if fin.State != "done" {
		t.Fatalf("%+v", fin)
	}
	el = fin.At.Sub(st.At)
	if got := fileHash(t, filepath.Join(dl2, "big.iso")); got != want {
		t.Fatal("Lempar's copy differs")
	}
	t.Logf("Lempar → Lempar (reference, same link): 1 GiB in %v = %.0f MB/s", el.Round(time.Millisecond), size/el.Seconds()/1e6)
}

func fileHash(t *testing.T, p string) [32]byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func waitSize(t *testing.T, p string, n int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if st, err := os.Stat(p); err == nil && st.Size() == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never reached %d bytes", p, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
