package localsend

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/transfer"
)

// TestMulticastDiscovery: two devices on one host find each other through
// 224.0.0.167 and register, and junk sent to the group changes nothing.
func TestMulticastDiscovery(t *testing.T) {
	netns.RequireLoopback(t)
	mk := func(name string) (*Service, chan Device) {
		id, _ := transfer.NewEphemeralIdentity()
		seen := make(chan Device, 64)
		s := New(Config{
			Identity: id, Alias: func() string { return name }, Dir: func() string { return t.TempDir() },
			Acceptor: transfer.AcceptorFunc(func(context.Context, *transfer.Request) transfer.Answer { return transfer.Answer{} }),
			OnDevice: func(d Device) { seen <- d }, Port: -1, IncludeLoopback: true,
		})
		if err := s.Listen(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		return s, seen
	}
	a, seenA := mk("Alpha")
	// Junk first: it must not be listed, nor stop the listener.
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	group := &net.UDPAddr{IP: net.ParseIP(MulticastAddr4), Port: DefaultPort}
	for _, j := range []string{"{", "null", `{"alias":"JUNK","fingerprint":"","port":1,"announce":true}`, strings.Repeat("{", 5000)} {
		if _, err := c.WriteTo([]byte(j), group); err != nil {
			t.Fatalf("sending junk: %v", err)
		}
	}
	b, seenB := mk("Beta")
	wait := func(ch chan Device, name string, port int) Device {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case d := <-ch:
				if d.Alias == "JUNK" {
					t.Fatal("junk listed")
				}
				if d.Alias == name && int(d.Addr.Port()) == port && d.Protocol == "https" {
					return d
				}
			case <-deadline:
				t.Fatalf("%s not discovered", name)
			}
		}
	}
	da := wait(seenB, "Alpha", a.Port())
	db := wait(seenA, "Beta", b.Port())
	if da.ID != PeerID(a.cfg.Identity.ID) || db.ID != PeerID(b.cfg.Identity.ID) || da.Type != "desktop" {
		t.Fatalf("ids %s %s", da.ID, db.ID)
	}
	if _, ok := a.Device(db.ID); !ok {
		t.Fatal("Beta not in Alpha's device list")
	}
	for _, d := range a.Devices() {
		if d.ID == PeerID(a.cfg.Identity.ID) {
			t.Fatal("Alpha lists itself")
		}
	}
}
