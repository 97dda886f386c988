//go:build linux

package test

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
)

// watch starts `peers --watch --json` on host h with its own config.
func watch(t *testing.T, l *netns.LAN, h int) *proc {
	return run(t, l, h, "watcher", "--config", filepath.Join(t.TempDir(), "watcher"), "peers", "--watch", "--json")
}

// TestLANDiscovery is issue 4's list on a four-host LAN: three receivers,
// one watcher.
func TestLANDiscovery(t *testing.T) {
	l := netns.New(t, 4)
	w := watch(t, l, 3)
	devs := []*device{newDevice(t, "Dev0"), newDevice(t, "Dev1"), newDevice(t, "Dev2")}
	procs := make([]*proc, 3)
	for i, d := range devs {
		procs[i] = d.receive(t, l, i)
	}

	// All three are listed within 2 s of starting.
	for i, d := range devs {
		m, at := w.next(2*time.Second, d.name+" seen", event("seen", d.id))
		if m["name"] != d.name || m["reachable"] != true || m["addr"] != fmt.Sprintf("%s:%d", l.Addr(i), d.port) {
			t.Fatalf("%s listed as %v", d.name, m)
		}
		t.Logf("%s: start → seen %v", d.name, at.Sub(procs[i].started).Round(time.Millisecond))
	}

	// A file sent by device name arrives intact.
	payload := make([]byte, 3<<20)
	_, _ = rand.Read(payload)
	src := filepath.Join(t.TempDir(), "payload.bin")
	if err := os.WriteFile(src, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	send := run(t, l, 3, "sender", "--config", filepath.Join(t.TempDir(), "sender"), "send", "--to", "dev1", src)
	if code := send.exit(20 * time.Second); code != 0 {
		t.Fatalf("send --to dev1 exited %d: %s", code, send.errText())
	}
	got, err := os.ReadFile(filepath.Join(devs[1].downloads, "payload.bin"))
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("payload at Dev1: %d bytes, %v", len(got), err)
	}

	// SIGTERM: gone within 2 s (goodbye).
	sent := procs[2].signal(syscall.SIGTERM)
	_, at := w.next(2*time.Second, "Dev2 lost after SIGTERM", event("lost", devs[2].id))
	t.Logf("Dev2: SIGTERM → lost %v", at.Sub(sent).Round(time.Millisecond))
	procs[2].exit(5 * time.Second)

	// Renamed and restarted: the new name, the same ID.
	oldID := devs[2].id
	devs[2].name = "Dev2 renamed"
	procs[2] = devs[2].receive(t, l, 2)
	m, _ := w.next(2*time.Second, "Dev2 back renamed", event("seen", oldID))
	if m["name"] != "Dev2 renamed" || devs[2].id != oldID {
		t.Fatalf("after rename: %v (id %s, was %s)", m, devs[2].id, oldID)
	}

	// SIGKILL: no goodbye; gone within 15 s (probe).
	sent = procs[0].signal(syscall.SIGKILL)
	_, at = w.next(15*time.Second, "Dev0 lost after SIGKILL", event("lost", devs[0].id))
	t.Logf("Dev0: SIGKILL → lost %v", at.Sub(sent).Round(time.Millisecond))

	// Hidden: not listed, but a send by address still works.
	procs[0] = devs[0].receive(t, l, 0, "--hidden")
	addr := fmt.Sprintf("%s:%d", l.Addr(0), devs[0].port)
	send = run(t, l, 3, "sender", "--config", filepath.Join(t.TempDir(), "sender2"), "send", "--to", addr, "--text", "hello hidden")
	if code := send.exit(20 * time.Second); code != 0 {
		t.Fatalf("send to hidden %s exited %d: %s", addr, code, send.errText())
	}
	procs[0].next(5*time.Second, "text at hidden Dev0", func(m map[string]any) bool {
		return m["event"] == "transfer" && m["state"] == "done"
	})
	w.none(3*time.Second, "hidden Dev0 listed", func(m map[string]any) bool { return m["id"] == devs[0].id && m["event"] != "lost" })
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
		m, _ := p.next(10*time.Second, "peers list", func(m map[string]any) bool { _, ok := m["peers"]; return ok })
		if code := p.exit(5 * time.Second); code != 0 {
			t.Fatalf("peers %v exited %d: %s", args, code, p.errText())
		}
		var out []map[string]any
		for _, x := range m["peers"].([]any) {
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
	if code := send.exit(20 * time.Second); code != 0 {
		t.Fatalf("send --to Dev0 exited %d: %s", code, send.errText())
	}
	send = run(t, l, 2, "sender", "--config", client, "send", "--to", l.Addr(1).String(), "--text", "bare address")
	if code := send.exit(20 * time.Second); code != 0 {
		t.Fatalf("send --to %s exited %d: %s", l.Addr(1), code, send.errText())
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
	w.next(2*time.Second, "seen", event("seen", d.id))
	if out, err := exec.Command("ip", "-n", l.Namespace(0), "addr", "add", "10.77.0.201/24", "dev", "eth0").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	m, _ := w.next(10*time.Second, "updated with the new address", func(m map[string]any) bool {
		if m["id"] == d.id && m["event"] == "lost" {
			t.Fatalf("lost while re-announcing: %v", m)
		}
		return m["id"] == d.id && m["event"] == "updated" && strings.Contains(fmt.Sprint(m["addrs"]), "10.77.0.201:")
	})
	if m["reachable"] != true {
		t.Fatalf("after the change: %v", m)
	}
	w.none(2*time.Second, "lost after re-announcing", event("lost", d.id))
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
	m, _ := w.next(2*time.Second, "seen over IPv6", event("seen", d.id))
	addrs := fmt.Sprint(m["addrs"])
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
		_, at := w.next(2*time.Second, "seen", event("seen", d.id))
		seen = append(seen, at.Sub(p.started))
		if i%2 == 0 {
			sent := p.signal(syscall.SIGTERM)
			_, at = w.next(2*time.Second, "lost after SIGTERM", event("lost", d.id))
			term = append(term, at.Sub(sent))
		} else {
			sent := p.signal(syscall.SIGKILL)
			_, at = w.next(15*time.Second, "lost after SIGKILL", event("lost", d.id))
			kill = append(kill, at.Sub(sent))
		}
		p.exit(5 * time.Second)
	}
	t.Logf("start → seen: median %v of %v", median(seen).Round(time.Millisecond), seen)
	t.Logf("SIGTERM → lost: median %v of %v", median(term).Round(time.Millisecond), term)
	t.Logf("SIGKILL → lost: median %v of %v", median(kill).Round(time.Millisecond), kill)
}
