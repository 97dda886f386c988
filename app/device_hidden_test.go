package app

import (
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/lempar/lempar/localsend"
)

// TestHiddenDeviceQuietOnLocalSend: a device the person hid doesn't
// announce itself to LocalSend apps either (it would be listed on every
// phone); shown again, it announces at once.
func TestHiddenDeviceQuietOnLocalSend(t *testing.T) {
	d := openTestDevice(t, "Sari-PC", DeviceOptions{LocalSend: LocalSendOptions{Port: -1}})
	st := d.Settings()
	st.LocalSend = true
	st.SetVisibility(VisibilityHidden, time.Now())
	if err := d.ApplySettings(st); err != nil {
		t.Fatal(err)
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.ListenMulticastUDP("udp4", lo, &net.UDPAddr{IP: net.ParseIP(localsend.MulticastAddr4), Port: localsend.DefaultPort})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	announced := make(chan struct{}, 64)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, _, err := l.ReadFrom(buf)
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(buf[:n], &m) == nil && m["alias"] == "Sari-PC" {
				announced <- struct{}{}
			}
		}
	}()
	count := func(window time.Duration) (n int) {
		end := time.After(window)
		for {
			select {
			case <-announced:
				n++
			case <-end:
				return n
			}
		}
	}
	d.serve(t)
	deadline := time.Now().Add(10 * time.Second)
	for d.LocalSend().Service() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // poll for the service's start
	}
	if d.LocalSend().Service() == nil {
		t.Fatal("LocalSend never started")
	}
	if n := count(2500 * time.Millisecond); n != 0 {
		t.Fatalf("hidden, the device sent %d LocalSend announcements", n)
	}
	st = d.Settings()
	st.SetVisibility(VisibilityVisible, time.Now())
	if err := d.ApplySettings(st); err != nil {
		t.Fatal(err)
	}
	if n := count(3 * time.Second); n < 3 {
		t.Fatalf("shown again, %d announcements in 3 s, want the 3 start ones", n)
	}
}
