package app

import (
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/share"
)

// Share via link runs on the device's LocalSend port: refused while
// LocalSend is off, served (the settings' PIN, then consent) while it is
// on, and ended when LocalSend is turned off.
func TestDeviceShareFollowsLocalSend(t *testing.T) {
	started := make(chan *localsend.Service, 4)
	d := openTestDevice(t, "Laptop", DeviceOptions{LocalSend: LocalSendOptions{
		Port: -1, Listen: "127.0.0.1", NoMulticast: true,
		OnStarted: func(s *localsend.Service) { started <- s },
	}})
	d.serve(t)
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("agenda rapat"), 0o644); err != nil {
		t.Fatal(err)
	}
	var se *share.Error
	if _, err := d.Share([]string{file}, nil); !errors.As(err, &se) || se.Key != "share.err.localsend-off" {
		t.Fatalf("sharing with LocalSend off: %v", err)
	}

	st := d.Settings()
	st.LocalSend, st.LocalSendPIN = true, "4821" // the receive PIN guards the link too
	if err := d.ApplySettings(st); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("LocalSend did not start")
	}
	changed := make(chan struct{}, 16)
	sh, err := d.Share([]string{file}, func() { changed <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	urls := d.ShareURLs()
	if len(urls) == 0 || !strings.HasPrefix(urls[0], "https://") {
		t.Fatalf("share URLs %q", urls)
	}
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	done := make(chan struct{})
	defer close(done)
	go func() { // the person allows every browser that asks
		for {
			select {
			case <-done:
				return
			case <-changed:
			}
			for _, r := range sh.Requests() {
				if !r.Allowed {
					sh.Answer(r.ID, true)
				}
			}
		}
	}()
	u := strings.Replace(urls[0], "[::1]", "127.0.0.1", 1)
	resp, err := c.Post(u+strings.TrimPrefix(share.PathPrepare, "/"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(sh.Requests()) != 0 {
		t.Fatalf("without the settings' PIN: %d, %d asking", resp.StatusCode, len(sh.Requests()))
	}
	resp, err = c.Post(u+strings.TrimPrefix(share.PathPrepare, "/")+"?pin=4821", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"download":true`) || !strings.Contains(string(body), "notes.txt") {
		t.Fatalf("prepare-download at %s: %d %s", u, resp.StatusCode, body)
	}

	st.LocalSend = false
	if err := d.ApplySettings(st); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for d.CurrentShare() != nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // polled: the stop comes from LocalSend's own goroutine
	}
	if d.CurrentShare() != nil || !sh.Stopped() {
		t.Fatal("the share outlived LocalSend")
	}
}

// The share sheet's first link (the one its QR code shows) is the address
// toward the default route, not whichever bridge sorts first: here a
// docker-like 172.17.0.1 and the LAN's 192.168.7.5 with the default route.
func TestShareAddrsDefaultRouteFirst(t *testing.T) {
	netns.RequireLoopback(t) // interfaces are added to the test's own namespace only
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Skipf("ip %v: %v %s (needs iproute2 and CAP_NET_ADMIN in the namespace)", args, err, out)
		}
	}
	ip("link", "add", "shbr0", "type", "veth", "peer", "name", "shbr0p")
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", "shbr0").Run() })
	ip("link", "add", "shlan0", "type", "veth", "peer", "name", "shlan0p")
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", "shlan0").Run() })
	ip("addr", "add", "172.17.0.1/16", "dev", "shbr0")
	ip("addr", "add", "192.168.7.5/24", "dev", "shlan0")
	for _, dev := range []string{"shbr0", "shbr0p", "shlan0", "shlan0p"} {
		ip("link", "set", dev, "up")
	}
	ip("route", "add", "default", "via", "192.168.7.1", "dev", "shlan0")
	got := shareAddrs()
	if len(got) < 2 || got[0].String() != "192.168.7.5" || got[1].String() != "172.17.0.1" {
		t.Fatalf("share addresses %v, want 192.168.7.5 (default route) before 172.17.0.1", got)
	}
}
