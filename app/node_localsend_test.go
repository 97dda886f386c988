package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/transfer"
)

// TestLocalSendTrust runs a node's LocalSend service on loopback and sends
// to it as two LocalSend devices with the same name: the one the person
// trusted is let in by the trust rule; the other, a new fingerprint under
// a known name, goes to the person, flagged as a name clash. History and
// the trust store see LocalSend sessions like Lempar ones.
func TestLocalSendTrust(t *testing.T) {
	asked := make(chan *transfer.Request, 4)
	finals := make(chan transfer.Event, 4)
	cfg, dl := t.TempDir(), filepath.Join(t.TempDir(), "dl")
	n, err := NewNode(Options{
		ConfigDir: cfg, Name: "Budi", Dir: dl, Port: -1,
		Acceptor: transfer.AcceptorFunc(func(ctx context.Context, r *transfer.Request) transfer.Answer {
			asked <- r
			return transfer.Answer{Accept: true}
		}),
		OnEvent: func(e transfer.Event) {
			if e.State.Final() {
				finals <- e
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan *localsend.Service, 1)
	ls := n.NewLocalSend(LocalSendOptions{Port: -1, Listen: "127.0.0.1", NoMulticast: true, OnStarted: func(s *localsend.Service) { started <- s }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ls.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	var svc *localsend.Service
	select {
	case svc = <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("LocalSend did not start")
	}
	to := localsend.Device{Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(svc.Port())), Protocol: "https", Fingerprint: svc.Self().Fingerprint}

	ayu, _ := transfer.NewEphemeralIdentity()
	other, _ := transfer.NewEphemeralIdentity()
	ayuID := localsend.PeerID(ayu.ID)
	if _, err := n.Trust.Remember(KnownDevice{ID: ayuID, Name: "Ayu's phone"}); err != nil {
		t.Fatal(err)
	}
	if err := n.Trust.SetAutoAccept(ayuID, true); err != nil {
		t.Fatal(err)
	}
	src, _ := transfer.TextSource("halo")
	send := func(id *transfer.Identity) transfer.Event {
		t.Helper()
		_, err := localsend.Send(context.Background(), localsend.SendOptions{
			Identity: id, To: to,
			Self: localsend.DeviceInfo{Alias: "Ayu's phone", Fingerprint: "ignored-over-https", Port: 53317, Protocol: "https"},
		}, []transfer.Source{src})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-finals:
			return e
		case <-time.After(10 * time.Second):
			t.Fatal("no final event")
			return transfer.Event{}
		}
	}
	if e := send(ayu); e.State != transfer.StateDone || e.Peer.ID != ayuID {
		t.Fatalf("trusted device: %v %s", e.State, e.Peer.ID)
	}
	select {
	case r := <-asked:
		t.Fatalf("the trusted device was asked about: %+v", r.Peer)
	default:
	}
	// An impostor claims Ayu's fingerprint (phones broadcast it) without her
	// certificate, and nothing at its address proves it: the person is asked
	// (as unverified), and accepting changes nothing about the known Ayu.
	before, _ := n.Trust.Get(ayuID)
	halo := "halo"
	claim, _ := json.Marshal(localsend.PrepareRequest{
		Info:  localsend.DeviceInfo{Alias: "Ayu's phone", Fingerprint: strings.ToUpper(ayu.ID), Port: 1, Protocol: "https"},
		Files: map[string]localsend.FileMeta{"1": {ID: "1", FileName: "m.txt", Size: 4, FileType: "text/plain", Preview: &halo}},
	})
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := hc.Post("https://"+to.Addr.String()+"/api/localsend/v2/prepare-upload", "application/json", bytes.NewReader(claim))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case r := <-asked:
		if r.Peer.Verified || r.Peer.ID != ayuID {
			t.Fatalf("the claim reached the person as %+v", r.Peer)
		}
	default:
		t.Fatalf("an unproven claim of a known fingerprint was auto-accepted (status %d)", resp.StatusCode)
	}
	<-finals
	if after, _ := n.Trust.Get(ayuID); after != before {
		t.Fatalf("the known device was updated by an impostor: %+v -> %+v", before, after)
	}

	e := send(other)
	r := <-asked
	if r.Peer.ID != localsend.PeerID(other.ID) || r.Peer.Name != "Ayu's phone" || e.Peer.ID != r.Peer.ID {
		t.Fatalf("asked about %+v", r.Peer)
	}
	if !n.Trust.NameClash(r.Peer.Name, r.Peer.ID) {
		t.Fatal("a new fingerprint under a known name is not flagged")
	}
	// Accepted, it is remembered as a device of its own, not auto-accepted.
	if k, ok := n.Trust.Get(r.Peer.ID); !ok || k.AutoAccept {
		t.Fatalf("remembered as %+v %v", k, ok)
	}
	hist := n.History.List()
	if len(hist) != 3 || hist[0].PeerID == hist[1].PeerID { // other, the impostor, Ayu
		t.Fatalf("history %+v", hist)
	}
	if _, err := os.Stat(dl); !os.IsNotExist(err) {
		t.Fatal("messages created the download folder")
	}

	// Turning the setting off stops the server; on starts it again.
	st := n.Settings()
	st.LocalSend = false
	if err := n.SaveSettings(st); err != nil {
		t.Fatal(err)
	}
	ls.Changed()
	deadline := time.Now().Add(5 * time.Second)
	for ls.Service() != nil {
		if time.Now().After(deadline) {
			t.Fatal("still serving with LocalSend off")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := ls.Send(context.Background(), ayuID, []transfer.Source{src}, nil, nil); !transfer.IsCode(err, errcode.LocalSendDisabled) {
		t.Fatalf("send while off: %v", err)
	}
	st.LocalSend = true
	if err := n.SaveSettings(st); err != nil {
		t.Fatal(err)
	}
	ls.Changed()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("did not start again")
	}
}

// TestLocalSendListsLemparOnce: another Lempar announcing itself over
// LocalSend too shows up once, as the Lempar device.
func TestLocalSendListsLemparOnce(t *testing.T) {
	other, err := NewNode(Options{ConfigDir: t.TempDir(), Name: "Sari", Port: -1, Listen: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go other.ServeReceiver(ctx)
	n, err := NewNode(Options{ConfigDir: t.TempDir(), Name: "Budi", Port: -1})
	if err != nil {
		t.Fatal(err)
	}
	d := n.NewDiscovery(DiscoveryOptions{})
	if _, err := d.AddByAddress(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(other.Port()))); err != nil {
		t.Fatal(err)
	}
	ls := n.NewLocalSend(LocalSendOptions{})
	addr := netip.MustParseAddrPort("127.0.0.1:53317")
	ls.observe(localsend.Device{ID: localsend.PeerID(other.Identity.ID), Fingerprint: strings.ToUpper(other.Identity.ID), Alias: "Sari", Addr: addr})
	ls.observe(localsend.Device{ID: "localsend:phone", Fingerprint: "phone", Alias: "Ayu", Addr: addr})
	var ids []string
	for _, p := range d.Peers() {
		ids = append(ids, p.ID+"/"+p.Source.String())
	}
	if len(ids) != 2 || !slices.Contains(ids, other.Identity.ID+"/manual") || !slices.Contains(ids, "localsend:phone/localsend") {
		t.Fatalf("peers %v", ids)
	}
}
