//go:build linux

package discovery

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// watch starts `peers --watch --json` on host h with its own config.
func watch(t *testing.T, l *netns.LAN, h int) *testproc.Proc {
	return run(t, l, h, "watcher", "--config", filepath.Join(t.TempDir(), "watcher"), "peers", "--watch", "--json")
}

// TestLANDiscovery is issue 4's list on a four-host LAN: three receivers,
// one watcher.
func TestLANDiscovery(t *testing.T) {
	l := netns.New(t, 4)
	w := watch(t, l, 3)
	devs := []*device{newDevice(t, "Dev0"), newDevice(t, "Dev1"), newDevice(t, "Dev2")}
	procs := make([]*testproc.Proc, 3)
	for i, d := range devs {
		procs[i] = d.receive(t, l, i)
	}

	// All three are listed within 2 s of starting, in whatever order.
	what, match := make([]string, len(devs)), make([]func(testproc.Event) bool, len(devs))
	for i, d := range devs {
		what[i], match[i] = d.name+" seen", event("seen", d.id)
	}
	seen := w.NextEach(2*time.Second, what, match)
	for i, d := range devs {
		e := seen[i]
		if e.M["name"] != d.name || e.M["reachable"] != true || e.M["addr"] != fmt.Sprintf("%s:%d", l.Addr(i), d.port) {
			t.Fatalf("%s listed as %v", d.name, e.M)
		}
		t.Logf("%s: start → seen %v", d.name, e.At.Sub(procs[i].Started).Round(time.Millisecond))
	}

	// A file sent by device name arrives intact.
	payload := make([]byte, 3<<20)
	_, _ = rand.Read(payload)
	src := filepath.Join(t.TempDir(), "payload.bin")
	if err := os.WriteFile(src, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	send := run(t, l, 3, "sender", "--config", filepath.Join(t.TempDir(), "sender"), "send", "--to", "dev1", src)
	if code := send.Exit(20 * time.Second); code != 0 {
		t.Fatalf("send --to dev1 exited %d: %s", code, send.Stderr())
	}
	got, err := os.ReadFile(filepath.Join(devs[1].downloads, "payload.bin"))
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("payload at Dev1: %d bytes, %v", len(got), err)
	}

	// SIGTERM: gone within 2 s (goodbye).
	sent := procs[2].Signal(syscall.SIGTERM)
	lost := w.Next(2*time.Second, "Dev2 lost after SIGTERM", event("lost", devs[2].id))
	t.Logf("Dev2: SIGTERM → lost %v", lost.At.Sub(sent).Round(time.Millisecond))
	procs[2].Exit(5 * time.Second)

	// Renamed and restarted: the new name, the same ID.
	oldID := devs[2].id
	devs[2].name = "Dev2 renamed"
	procs[2] = devs[2].receive(t, l, 2)
	back := w.Next(2*time.Second, "Dev2 back renamed", event("seen", oldID))
	if back.M["name"] != "Dev2 renamed" || devs[2].id != oldID {
		t.Fatalf("after rename: %v (id %s, was %s)", back.M, devs[2].id, oldID)
	}

	// SIGKILL: no goodbye; gone within 15 s (probe).
	sent = procs[0].Signal(syscall.SIGKILL)
	lost = w.Next(15*time.Second, "Dev0 lost after SIGKILL", event("lost", devs[0].id))
	t.Logf("Dev0: SIGKILL → lost %v", lost.At.Sub(sent).Round(time.Millisecond))

	// Hidden: not listed, but a send by address still works.
	procs[0] = devs[0].receive(t, l, 0, "--hidden")
	addr := fmt.Sprintf("%s:%d", l.Addr(0), devs[0].port)
	send = run(t, l, 3, "sender", "--config", filepath.Join(t.TempDir(), "sender2"), "send", "--to", addr, "--text", "hello hidden")
	if code := send.Exit(20 * time.Second); code != 0 {
		t.Fatalf("send to hidden %s exited %d: %s", addr, code, send.Stderr())
	}
	procs[0].Next(5*time.Second, "text at hidden Dev0", func(e testproc.Event) bool {
		return e.M["event"] == "transfer" && e.M["state"] == "done"
	})
	w.None(3*time.Second, "hidden Dev0 listed", func(e testproc.Event) bool { return e.M["id"] == devs[0].id && e.M["event"] != "lost" })
}

// TestLANMulticastBlocked: the switch drops mDNS. Adding by address works,
// and a device used before is found at its last address.
func TestLANMulticastBlocked(t *testing.T) {
	l := netns.New(t, 3)
	l.DropMulticast()
	d0, d1 := newDevice(t, "Dev0"), newDevice(t, "Dev1")
	d0.receive(t, l, 0)
	d1.receive(t, l, 1)
	client := filepath.Join(t.TempDir(), "client")
	peers := func(args ...string) []map[string]any {
		t.Helper()
		p := run(t, l, 2, "peers", append([]string{"--config", client, "peers", "--json", "--timeout", "1500ms"}, args...)...)
		list := p.Next(10*time.Second, "peers list", func(e testproc.Event) bool { _, ok := e.M["peers"]; return ok })
		if code := p.Exit(5 * time.Second); code != 0 {
			t.Fatalf("peers %v exited %d: %s", args, code, p.Stderr())
		}
		var out []map[string]any
		for _, x := range list.M["peers"].([]any) {
			out = append(out, x.(map[string]any))
		}
		return out
	}
	if got := peers(); len(got) != 0 {
		t.Fatalf("mDNS got through the filter: %v", got)
	}
	// Add by address, default port.
	got := peers("--add", l.Addr(0).String())
	if len(got) != 1 || got[0]["id"] != d0.id || got[0]["source"] != "manual" || got[0]["known"] != true {
		t.Fatalf("after --add: %v", got)
	}
	// Next time it is tried at its last address, with nothing typed in.
	got = peers()
	if len(got) != 1 || got[0]["id"] != d0.id || got[0]["source"] != "known" {
		t.Fatalf("last known address: %v", got)
	}
	// And a send by its name works without multicast, as does one to a
	// bare address (default port) of a device never seen.
	send := run(t, l, 2, "sender", "--config", client, "send", "--to", "Dev0", "--text", "by name, no multicast")
	if code := send.Exit(20 * time.Second); code != 0 {
		t.Fatalf("send --to Dev0 exited %d: %s", code, send.Stderr())
	}
	send = run(t, l, 2, "sender", "--config", client, "send", "--to", l.Addr(1).String(), "--text", "bare address")
	if code := send.Exit(20 * time.Second); code != 0 {
		t.Fatalf("send --to %s exited %d: %s", l.Addr(1), code, send.Stderr())
	}
}

// TestLANAddressChange: a receiver gains an address while running. Its
// announcement is renewed (old registration's goodbye, new one at once) and
// watchers see an update, never a loss.
func TestLANAddressChange(t *testing.T) {
	l := netns.New(t, 2)
	w := watch(t, l, 1)
	d := newDevice(t, "Mover")
	d.receive(t, l, 0)
	w.Next(2*time.Second, "seen", event("seen", d.id))
	if out, err := exec.Command("ip", "-n", l.Namespace(0), "addr", "add", "10.77.0.201/24", "dev", "eth0").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	upd := w.Next(10*time.Second, "updated with the new address", func(e testproc.Event) bool {
		if e.M["id"] == d.id && e.M["event"] == "lost" {
			t.Fatalf("lost while re-announcing: %v", e.M)
		}
		return e.M["id"] == d.id && e.M["event"] == "updated" && strings.Contains(fmt.Sprint(e.M["addrs"]), "10.77.0.201:")
	})
	if upd.M["reachable"] != true {
		t.Fatalf("after the change: %v", upd.M)
	}
	w.None(2*time.Second, "lost after re-announcing", event("lost", d.id))
}

// TestLANIPv6Only: IPv4 mDNS is dropped; discovery runs over IPv6 and still
// reports the IPv4 address (announced in A records) and the link-local one
// with its zone.
func TestLANIPv6Only(t *testing.T) {
	l := netns.New(t, 2)
	l.DropMulticastIPv4()
	w := watch(t, l, 1)
	d := newDevice(t, "Six")
	d.receive(t, l, 0)
	seen := w.Next(2*time.Second, "seen over IPv6", event("seen", d.id))
	addrs := fmt.Sprint(seen.M["addrs"])
	if !strings.Contains(addrs, l.Addr(0).String()+":"+strconv.Itoa(d.port)) || !strings.Contains(addrs, "%eth0]") {
		t.Fatalf("addresses %s: want the IPv4 one and a link-local with zone eth0", addrs)
	}
}

// TestLANLatency measures start → seen and loss after SIGTERM and SIGKILL,
// several times, and reports medians (README figures).
func TestLANLatency(t *testing.T) {
	runs := 5
	if testing.Short() {
		runs = 2
	}
	l := netns.New(t, 2)
	w := watch(t, l, 1)
	d := newDevice(t, "Timed")
	var seen, term, kill []time.Duration
	for i := range 2 * runs {
		p := d.receive(t, l, 0)
		at := w.Next(2*time.Second, "seen", event("seen", d.id)).At
		seen = append(seen, at.Sub(p.Started))
		if i%2 == 0 {
			sent := p.Signal(syscall.SIGTERM)
			at = w.Next(2*time.Second, "lost after SIGTERM", event("lost", d.id)).At
			term = append(term, at.Sub(sent))
		} else {
			sent := p.Signal(syscall.SIGKILL)
			at = w.Next(15*time.Second, "lost after SIGKILL", event("lost", d.id)).At
			kill = append(kill, at.Sub(sent))
		}
		p.Exit(5 * time.Second)
	}
	t.Logf("start → seen: median %v of %v", median(seen).Round(time.Millisecond), seen)
	t.Logf("SIGTERM → lost: median %v of %v", median(term).Round(time.Millisecond), term)
	t.Logf("SIGKILL → lost: median %v of %v", median(kill).Round(time.Millisecond), kill)
}
