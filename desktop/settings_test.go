package desktop

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/transfer"
	"github.com/lempar/lempar/ui"
)

// TestLocalSendSettingsThroughTheWindow: the window's HTTP box and PIN
// field reach the running device: saved, the LocalSend service restarts
// with HTTP on, and a phone with encryption off sends a message that needs
// the PIN; an invalid PIN is refused with a reason and changes nothing.
func TestLocalSendSettingsThroughTheWindow(t *testing.T) {
	started := make(chan *localsend.Service, 4)
	var cfgDir string
	b, dev, r := startDeviceWith(t, func(o *app.DeviceOptions, s *app.Settings) {
		s.LocalSend = true
		cfgDir = o.ConfigDir
		o.LocalSend = app.LocalSendOptions{Port: -1, Listen: "127.0.0.1", NoMulticast: true,
			OnStarted: func(svc *localsend.Service) { started <- svc }}
	})
	wait := func() *localsend.Service {
		t.Helper()
		select {
		case s := <-started:
			return s
		case <-time.After(10 * time.Second):
			t.Fatal("LocalSend did not (re)start")
			return nil
		}
	}
	port := wait().Port()
	u := b.Settings()
	if u.LocalSendHTTP || u.LocalSendPIN != "" || !u.LocalSend {
		t.Fatalf("window sees %+v", u)
	}
	bad := u
	bad.LocalSendPIN = "12\n34"
	if err := b.SaveSettings(bad); err == nil || !strings.Contains(err.Error(), "32 characters") {
		t.Fatalf("invalid PIN: %v", err)
	}
	if got := b.Settings(); got != u {
		t.Fatalf("an invalid PIN changed the settings: %+v", got)
	}
	u.LocalSendHTTP, u.LocalSendPIN = true, "2580"
	if err := b.SaveSettings(u); err != nil {
		t.Fatal(err)
	}
	if p := wait().Port(); p != port {
		t.Fatalf("restarted on %d, was %d", p, port)
	}
	if s, err := app.LoadSettings(cfgDir); err != nil || !s.LocalSendHTTP || s.LocalSendPIN != "2580" {
		t.Fatalf("stored %+v %v", s, err)
	}
	if got := b.Settings(); !got.LocalSendHTTP || got.LocalSendPIN != "2580" {
		t.Fatalf("window sees %+v after saving", got)
	}

	phone, _ := transfer.NewEphemeralIdentity()
	src, _ := transfer.TextSource("sampai di rumah")
	res := make(chan error, 1)
	go func() {
		pins := []string{"0000", "2580"}
		_, err := localsend.Send(context.Background(), localsend.SendOptions{
			Identity: phone,
			To:       localsend.Device{Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), Protocol: "http"},
			Self:     localsend.DeviceInfo{Alias: "HP Ayu", Fingerprint: "http-mode-token", Port: 1, Protocol: "http"},
			PIN: func(context.Context, bool) (string, bool) {
				p := pins[0]
				pins = pins[1:]
				return p, true
			},
		}, []transfer.Source{src})
		res <- err
	}()
	e := r.next(t, func(e ui.Event) bool { _, ok := e.(ui.OfferReceived); return ok }).(ui.OfferReceived)
	if e.Offer.PeerName != "HP Ayu" || len(e.Offer.Items) != 1 || e.Offer.Items[0].TextPreview != "sampai di rumah" {
		t.Fatalf("offer as shown: %+v", e.Offer)
	}
	if err := b.Answer(e.Offer.ID, ui.Decision{Accept: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-res:
		if err != nil {
			t.Fatalf("phone over HTTP with the PIN: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the phone's send never ended")
	}
	_ = dev
}
