package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// One `send --to A --to B` delivers the same files to both, byte-identical,
// with a final event per device that names it, and exits 0.
func TestSendToTwoReceivers(t *testing.T) {
	a := startReceiver(t, t.TempDir(), t.TempDir(), nil, "--yes", "--no-localsend")
	b := startReceiver(t, t.TempDir(), t.TempDir(), nil, "--yes", "--no-localsend")
	src := filepath.Join(t.TempDir(), "Liburan")
	writeRandom(t, filepath.Join(src, "pantai.jpg"), 3<<20)
	writeRandom(t, filepath.Join(src, "video", "ombak.mp4"), 5<<20)

	p := start(t, nil, "--config", t.TempDir(), "send", "--json", "--name", "Budi", "--to", a.addr(), "--to", b.addr(), src)
	if code := p.Exit(2 * time.Minute); code != 0 {
		t.Fatalf("send exited %d:\n%s", code, p.Stderr())
	}
	done := map[string]bool{}
	for _, e := range p.Events() {
		if e.Str("state") == "done" {
			done[e.Str("target")] = true
		}
	}
	if !done[a.addr()] || !done[b.addr()] {
		t.Fatalf("final events per target: %v", done)
	}
	for _, r := range []*receiver{a, b} {
		if fin := r.finalEvent(30 * time.Second); fin["state"] != "done" {
			t.Fatalf("receiver %s: %v", r.addr(), fin)
		}
		compareTrees(t, src, filepath.Join(r.dir, "Liburan"))
	}
}

// A send to two devices where one declines: the other still gets the
// files, and the exit status says not everything arrived (2, declined).
func TestSendToTwoOneDeclines(t *testing.T) {
	a := startReceiver(t, t.TempDir(), t.TempDir(), nil, "--yes", "--no-localsend")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	b := startReceiver(t, t.TempDir(), t.TempDir(), r, "--no-localsend")
	src := filepath.Join(t.TempDir(), "surat.pdf")
	writeRandom(t, src, 1<<20)
	p := start(t, nil, "--config", t.TempDir(), "send", "--json", "--name", "Budi", "--to", a.addr(), "--to", b.addr(), src)
	// The person at b says no once asked (an answer typed earlier would
	// not count).
	if !b.Until(30*time.Second, func() bool { return strings.Contains(b.Stderr(), "Accept? [y/N]") }) {
		t.Fatalf("b was not asked:\n%s", b.Stderr())
	}
	if _, err := w.WriteString("n\n"); err != nil {
		t.Fatal(err)
	}
	if code := p.Exit(2 * time.Minute); code != 2 {
		t.Fatalf("send exited %d, want 2 (declined):\n%s", code, p.Stderr())
	}
	if err := sameFile(src, filepath.Join(a.dir, "surat.pdf")); err != nil {
		t.Fatal(err)
	}
	if fin := b.finalEvent(30 * time.Second); fin["state"] != "declined" {
		t.Fatalf("the declining receiver: %v", fin)
	}
}
