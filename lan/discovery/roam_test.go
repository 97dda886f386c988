//go:build linux

package discovery

import (
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// roamAddr is the receiver's address after it roams (the LAN gave it
// 10.77.0.1 before).
const roamAddr = "10.77.0.201"

// TestLANRoaming (issue 13 item 11): `send --to Sari-PC` of a file large
// enough to be mid-transfer when the receiver's link goes down for 10 s and
// comes back with another address, as after Wi-Fi roaming or a new DHCP
// lease. The receiver announces its new address at once (netlink), the
// sender's retry looks the device ID up again, and the send completes by
// itself, byte-identical, within 20 s of the link's return.
func TestLANRoaming(t *testing.T) {
	const (
		size   = 48 << 20
		outage = 10 * time.Second
	)
	l := netns.New(t, 2)
	const rxHost, txHost = 0, 1
	rxNS := l.Namespace(rxHost)
	// IPv4 only on the receiver: its IPv6 link-local address would come
	// back unchanged with the link, and the test is about a new address.
	ip(t, "netns", "exec", rxNS, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1", "net.ipv6.conf.eth0.disable_ipv6=1")
	// The sender's link is slow enough that the file is still moving when
	// the receiver's link drops (48 MiB at 80 Mbit/s: about 5 s).
	ip(t, "netns", "exec", l.Namespace(txHost), "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", "80mbit", "burst", "256kb", "latency", "50ms")

	src := filepath.Join(t.TempDir(), "roam.bin")
	sum := writeRandom(t, src, size)
	rd := newDevice(t, "Sari-PC")
	rx := rd.receive(t, l, rxHost)

	send := run(t, l, txHost, "sender", "--config", filepath.Join(t.TempDir(), "sender"), "send", "--json", "--name", "Budi", "--to", "Sari-PC", src)
	rx.Next(30*time.Second, "a quarter received", func(e testproc.Event) bool {
		return e.M["event"] == "transfer" && e.Num("done") >= size/4
	})
	ip(t, "-n", rxNS, "link", "set", "eth0", "down")
	down := time.Now()
	// The outage itself is the scenario: nothing to wait for but time.
	time.Sleep(outage - time.Since(down))
	ip(t, "-n", rxNS, "addr", "flush", "dev", "eth0")
	ip(t, "-n", rxNS, "addr", "add", roamAddr+"/24", "dev", "eth0")
	ip(t, "-n", rxNS, "link", "set", "eth0", "up")
	up := time.Now()

	code, exited := send.Wait(20 * time.Second)
	took := time.Since(up)
	if !exited {
		t.Fatalf("the send did not finish within 20 s of the link's return; sender events: %v\nstderr: %s", tail(send.Events(), 8), send.Stderr())
	}
	if code != 0 {
		t.Fatalf("send exited %d: %s", code, send.Stderr())
	}
	fin, _ := send.LastFinal()
	if fin.Str("state") != "done" {
		t.Fatalf("sender's final event: %v", fin.M)
	}
	if a := fin.Str("peer_addr"); !strings.HasPrefix(a, roamAddr+":") {
		t.Errorf("the send ended at %q, want the new address %s", a, roamAddr)
	}
	if got := hashFile(t, filepath.Join(rd.downloads, "roam.bin")); got != sum {
		t.Fatalf("received file differs from the one sent")
	}
	retries := 0
	var noticed, resumed time.Duration
	for _, e := range send.Events() {
		switch {
		case e.Str("state") == "retrying":
			if retries == 0 {
				noticed = e.At.Sub(down)
			}
			retries++
		case resumed == 0 && e.At.After(up) && e.Str("state") == "sending" && strings.HasPrefix(e.Str("peer_addr"), roamAddr+":"):
			resumed = e.At.Sub(up)
		}
	}
	t.Logf("FIGURE roaming: link down %v, back as %s; the sender noticed the drop after %.1f s, was sending to the new address %.1f s after the link returned and completed after %.1f s (%d retrying events, %d MiB byte-identical)",
		outage, roamAddr, noticed.Seconds(), resumed.Seconds(), took.Seconds(), retries, size>>20)
}

func ip(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func writeRandom(t *testing.T, path string, size int64) [32]byte {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	r := rand.NewChaCha8([32]byte{13, 11})
	if _, err := io.CopyN(io.MultiWriter(f, h), r, size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func hashFile(t *testing.T, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("the received file: %v", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func tail(evs []testproc.Event, n int) []map[string]any {
	var out []map[string]any
	for _, e := range evs[max(0, len(evs)-n):] {
		out = append(out, e.M)
	}
	return out
}
