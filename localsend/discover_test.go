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

// groupWatch listens on the LocalSend group over loopback and reports each
// datagram whose alias is alias: true for an announcement, false for an
// answer (announce:false).
type groupWatch struct {
	sent  chan bool
	group *net.UDPAddr
}

func watchGroup(t *testing.T, alias string) *groupWatch {
	t.Helper()
	netns.RequireLoopback(t)
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	w := &groupWatch{sent: make(chan bool, 256), group: &net.UDPAddr{IP: net.ParseIP(MulticastAddr4), Port: DefaultPort}}
	l, err := net.ListenMulticastUDP("udp4", lo, w.group)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		buf := make([]byte, maxDatagram)
		for {
			n, _, err := l.ReadFrom(buf)
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(buf[:n], &m) == nil && m["alias"] == alias {
				w.sent <- m["announce"] == true
			}
		}
	}()
	return w
}

// count is what the watched device sent within window.
func (w *groupWatch) count(window time.Duration) (announces, answers int) {
	end := time.After(window)
	for {
		select {
		case a := <-w.sent:
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

// serveAlpha runs a Service named Alpha on loopback, announcing every
// 150 ms once started, until the test ends.
func serveAlpha(t *testing.T, mod func(*Config)) *Service {
	t.Helper()
	id, _ := transfer.NewEphemeralIdentity()
	cfg := Config{
		Identity: id, Alias: func() string { return "Alpha" }, Dir: func() string { return t.TempDir() },
		Acceptor: transfer.AcceptorFunc(func(context.Context, *transfer.Request) transfer.Answer { return transfer.Answer{} }),
		Port:     -1, IncludeLoopback: true, AnnounceEvery: 150 * time.Millisecond,
	}
	mod(&cfg)
	s := New(cfg)
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// sendUntilListed multicasts msg from c until s lists the device with
// fingerprint fp (UDP: it is sent again until heard).
func sendUntilListed(t *testing.T, s *Service, c net.PacketConn, group *net.UDPAddr, msg, fp string) {
	t.Helper()
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

// TestPeriodicAnnounceOnlyForLocalSendApps: after its start announcements
// a Lempar device announces again only while a LocalSend app (a device the
// Lempar hook doesn't know) answers them: in a room of Lempar devices the
// periodic announcement would only wake everybody (issue 17's classroom).
func TestPeriodicAnnounceOnlyForLocalSendApps(t *testing.T) {
	w := watchGroup(t, "Alpha")
	const lemparFP, phoneFP = "LEMPARDEVICE", "PHONEAPP"
	s := serveAlpha(t, func(c *Config) { c.Lempar = func(fp string) bool { return fp == lemparFP } })
	count := func(window time.Duration) int { n, _ := w.count(window); return n }
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
	answer := func(fp string) string {
		return `{"alias":"` + fp + `","fingerprint":"` + fp + `","port":9,"protocol":"http","announce":false}`
	}
	sendUntilListed(t, s, c, w.group, answer(lemparFP), lemparFP)
	if n := count(time.Second); n != 0 {
		t.Fatalf("%d periodic announcements with only a Lempar device listed", n)
	}
	// A LocalSend app answers each announcement (here, a datagram every
	// 50 ms): the periodic announcement goes on while it does, one per
	// 150 ms.
	sendUntilListed(t, s, c, w.group, answer(phoneFP), phoneFP)
	answering := make(chan struct{})
	go func() {
		msg := []byte(answer(phoneFP))
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-answering:
				return
			case <-tick.C:
				_, _ = c.WriteTo(msg, w.group)
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
	w := watchGroup(t, "Alpha")
	var hidden atomic.Bool
	hidden.Store(true)
	s := serveAlpha(t, func(c *Config) { c.Hidden = hidden.Load })
	// A phone announcing (its port answers nothing, so an answer would be
	// the multicast fallback, which the listener would see).
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	phone := `{"alias":"Ayu","fingerprint":"PHONEAPP","port":9,"protocol":"http","announce":true}`
	sendUntilListed(t, s, c, w.group, phone, "PHONEAPP")
	if a, b := w.count(2500 * time.Millisecond); a != 0 || b != 0 {
		t.Fatalf("hidden, it sent %d announcements and %d answers", a, b)
	}
	hidden.Store(false)
	s.Reannounce()
	if a, _ := w.count(3 * time.Second); a < len(startAnnounces) {
		t.Fatalf("shown again, %d announcements in 3 s, want at least the %d start ones", a, len(startAnnounces))
	}
}
