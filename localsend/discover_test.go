package localsend

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync/atomic"
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

// TestPeriodicAnnounceOnlyForLocalSendApps: after its start announcements
// a Lempar device announces again only while a LocalSend app (a device the
// Lempar hook doesn't know) answers them: in a room of Lempar devices the
// periodic announcement would only wake everybody (issue 17's classroom).
func TestPeriodicAnnounceOnlyForLocalSendApps(t *testing.T) {
	netns.RequireLoopback(t)
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	group := &net.UDPAddr{IP: net.ParseIP(MulticastAddr4), Port: DefaultPort}
	l, err := net.ListenMulticastUDP("udp4", lo, group)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	announced := make(chan struct{}, 256)
	go func() {
		buf := make([]byte, maxDatagram)
		for {
			n, _, err := l.ReadFrom(buf)
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(buf[:n], &m) == nil && m["alias"] == "Alpha" && m["announce"] == true {
				announced <- struct{}{}
			}
		}
	}()
	const lemparFP, phoneFP = "LEMPARDEVICE", "PHONEAPP"
	id, _ := transfer.NewEphemeralIdentity()
	s := New(Config{
		Identity: id, Alias: func() string { return "Alpha" }, Dir: func() string { return t.TempDir() },
		Acceptor: transfer.AcceptorFunc(func(context.Context, *transfer.Request) transfer.Answer { return transfer.Answer{} }),
		Port:     -1, IncludeLoopback: true, AnnounceEvery: 150 * time.Millisecond,
		Lempar: func(fp string) bool { return fp == lemparFP },
	})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	count := func(window time.Duration) int {
		n, end := 0, time.After(window)
		for {
			select {
			case <-announced:
				n++
			case <-end:
				return n
			}
		}
	}
	if n := count(2500 * time.Millisecond); n != len(startAnnounces) {
		t.Fatalf("%d announcements in the first 2.5 s, want the %d start ones", n, len(startAnnounces))
	}
	if n := count(time.Second); n != 0 {
		t.Fatalf("%d periodic announcements with nobody listed", n)
	}
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	listed := func(fp string) {
		t.Helper()
		msg := `{"alias":"` + fp + `","fingerprint":"` + fp + `","port":9,"protocol":"http","announce":false}`
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := c.WriteTo([]byte(msg), group); err != nil {
				t.Fatal(err)
			}
			for _, d := range s.Devices() {
				if d.Fingerprint == fp {
					return
				}
			}
			time.Sleep(20 * time.Millisecond) // resend until heard: UDP, the poll's step
		}
		t.Fatalf("%s never listed", fp)
	}
	listed(lemparFP)
	if n := count(time.Second); n != 0 {
		t.Fatalf("%d periodic announcements with only a Lempar device listed", n)
	}
	// A LocalSend app answers each announcement (here, a datagram every
	// 50 ms): the periodic announcement goes on while it does, one per
	// 150 ms.
	listed(phoneFP)
	answering := make(chan struct{})
	go func() {
		msg := []byte(`{"alias":"PHONEAPP","fingerprint":"` + phoneFP + `","port":9,"protocol":"http","announce":false}`)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-answering:
				return
			case <-tick.C:
				_, _ = c.WriteTo(msg, group)
			}
		}
	}()
	if n := count(time.Second); n < 3 {
		close(answering)
		t.Fatalf("%d periodic announcements in 1 s with a LocalSend app answering, want one per 150 ms", n)
	}
	// It stops answering (it left, or it was a Lempar CLI that never
	// answers): one more at most, then quiet.
	close(answering)
	if n := count(time.Second); n > 2 {
		t.Fatalf("%d periodic announcements in 1 s once the app stopped answering", n)
	}
	if n := count(time.Second); n != 0 {
		t.Fatalf("%d periodic announcements in the next second, want none", n)
	}
}

// TestHiddenDeviceStaysQuiet: a device the person hid announces nothing and
// answers no announcement (a phone that announces is still listed); shown
// again, it announces at once.
func TestHiddenDeviceStaysQuiet(t *testing.T) {
	netns.RequireLoopback(t)
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	group := &net.UDPAddr{IP: net.ParseIP(MulticastAddr4), Port: DefaultPort}
	l, err := net.ListenMulticastUDP("udp4", lo, group)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sent := make(chan bool, 256) // Alpha's datagrams: announce or answer
	go func() {
		buf := make([]byte, maxDatagram)
		for {
			n, _, err := l.ReadFrom(buf)
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(buf[:n], &m) == nil && m["alias"] == "Alpha" {
				sent <- m["announce"] == true
			}
		}
	}()
	var hidden atomic.Bool
	hidden.Store(true)
	id, _ := transfer.NewEphemeralIdentity()
	s := New(Config{
		Identity: id, Alias: func() string { return "Alpha" }, Dir: func() string { return t.TempDir() },
		Acceptor: transfer.AcceptorFunc(func(context.Context, *transfer.Request) transfer.Answer { return transfer.Answer{} }),
		Port:     -1, IncludeLoopback: true, AnnounceEvery: 150 * time.Millisecond, Hidden: hidden.Load,
	})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	count := func(window time.Duration) (announces, answers int) {
		end := time.After(window)
		for {
			select {
			case a := <-sent:
				if a {
					announces++
				} else {
					answers++
				}
			case <-end:
				return
			}
		}
	}
	// A phone announcing (its port answers nothing, so an answer would be
	// the multicast fallback, which the listener would see).
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	phone := `{"alias":"Ayu","fingerprint":"PHONEAPP","port":9,"protocol":"http","announce":true}`
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Devices()) == 0 && time.Now().Before(deadline) {
		if _, err := c.WriteTo([]byte(phone), group); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // resend until heard: UDP, the poll's step
	}
	if len(s.Devices()) == 0 {
		t.Fatal("a hidden device doesn't list the phone that announced")
	}
	if a, b := count(2500 * time.Millisecond); a != 0 || b != 0 {
		t.Fatalf("hidden, it sent %d announcements and %d answers", a, b)
	}
	hidden.Store(false)
	s.Reannounce()
	if a, _ := count(3 * time.Second); a < len(startAnnounces) {
		t.Fatalf("shown again, %d announcements in 3 s, want at least the %d start ones", a, len(startAnnounces))
	}
}
