package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/transfer"
)

// One send to two Lempar devices and a LocalSend tablet: the Lempar two
// form a swarm and pass pieces to each other, the tablet gets a direct
// LocalSend upload; all three get the file intact.
func TestMixedSendSwarmAndLocalSend(t *testing.T) {
	a := openTestDevice(t, "Ani", acceptAll())
	a.serve(t)
	b := openTestDevice(t, "Bayu", acceptAll())
	b.serve(t)

	// The sender runs LocalSend (to reach the tablet), no receiver.
	started := make(chan *localsend.Service, 1)
	tx := openTestDevice(t, "Guru", DeviceOptions{NoReceiver: true, LocalSend: LocalSendOptions{
		Port: -1, Listen: "127.0.0.1", NoMulticast: true, OnStarted: func(s *localsend.Service) { started <- s }}})
	st := tx.Settings()
	st.LocalSend = true
	if err := tx.ApplySettings(st); err != nil {
		t.Fatal(err)
	}
	tx.serve(t)
	var txLS *localsend.Service
	select {
	case txLS = <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the sender's LocalSend did not start")
	}

	// The tablet: a LocalSend receiver that accepts everything.
	tabDir := filepath.Join(t.TempDir(), "tablet")
	tab, err := NewNode(Options{ConfigDir: t.TempDir(), Name: "Tablet", Dir: tabDir, Port: -1, AcceptAll: true})
	if err != nil {
		t.Fatal(err)
	}
	tabStarted := make(chan *localsend.Service, 1)
	ls := tab.NewLocalSend(LocalSendOptions{Port: -1, Listen: "127.0.0.1", NoMulticast: true, OnStarted: func(s *localsend.Service) { tabStarted <- s }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ls.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	var tabSvc *localsend.Service
	select {
	case tabSvc = <-tabStarted:
	case <-time.After(10 * time.Second):
		t.Fatal("the tablet's LocalSend did not start")
	}
	// The tablet introduces itself to the sender as LocalSend apps do
	// (register, over HTTPS with its certificate), so the sender lists it.
	info, _ := json.Marshal(tabSvc.Self())
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{tab.Identity.Cert}}}}
	resp, err := hc.Post("https://127.0.0.1:"+strconv.Itoa(txLS.Port())+"/api/localsend/v2/register", "application/json", bytes.NewReader(info))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tabID := localsend.PeerID(tabSvc.Self().Fingerprint)
	if _, ok := txLS.Device(tabID); !ok {
		t.Fatalf("the sender did not list the tablet (register answered %d)", resp.StatusCode)
	}

	data := bytes.Repeat([]byte("lempar ke seluruh kelas "), 200_000) // 4.6 MiB: several pieces
	src := filepath.Join(t.TempDir(), "materi.bin")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	srcs, _ := transfer.CollectSources([]string{src})
	var mu sync.Mutex
	swarm := map[string]bool{}
	res := tx.Send(context.Background(), []Target{a.target(), b.target(), {ID: tabID, Name: "Tablet"}}, srcs, SendOptions{
		OnEvent: func(t Target, e transfer.Event) {
			mu.Lock()
			if e.Swarm != nil {
				swarm[t.Name] = true
			}
			mu.Unlock()
		},
	})
	for _, r := range res {
		if r.Err != nil || r.Event.State != transfer.StateDone {
			t.Fatalf("%s: %v (%s)", r.Target.Label(), r.Err, r.Event.State)
		}
	}
	if !swarm["Ani"] || !swarm["Bayu"] || swarm["Tablet"] {
		t.Fatalf("swarm targets: %v, want Ani and Bayu only", swarm)
	}
	for name, dir := range map[string]string{"Ani": a.dl, "Bayu": b.dl, "Tablet": tabDir} {
		got, err := os.ReadFile(filepath.Join(dir, "materi.bin"))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s got %d bytes (%v)", name, len(got), err)
		}
	}
}
