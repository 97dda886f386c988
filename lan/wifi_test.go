package lan

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// TestWiFiLikeLink: 300 Mbit/s with an access point's queue and 0.5%
// random loss. Lempar must reach 0.9 of what plain TCP gets on the same
// link in the same run; runs alternate so drift hits both, and medians
// compare.
func TestWiFiLikeLink(t *testing.T) {
	requireSuite(t)
	size := envSize(t, "LEMPAR_LAN_SIZE", 1<<30)
	runs := envInt(t, "LEMPAR_LAN_RUNS", 3)
	l := netns.New(t, 2)
	const tx, rxHost = 0, 1
	shapeHost(t, l, tx, "300mbit")
	onePacketAtATime(t, l, tx)
	dropIncoming(t, l, rxHost, 5)

	tmp := t.TempDir()
	src := filepath.Join(tmp, "src", "video.mkv")
	sum := writeData(t, src, size, 1)
	dl := filepath.Join(tmp, "dl")
	rx := startReceiver(t, l, rxHost, dl, nil, "--yes")
	cfg := filepath.Join(tmp, "tx")

	var tcp, lem []float64
	for i := range runs {
		// ABBA order: whichever goes first in a round goes second in
		// the next, so a trend in the machine's load is shared.
		if i%2 == 0 {
			tcp = append(tcp, plainTCP(t, l, tx, rxHost, src, size))
			lem = append(lem, lemparOnce(t, l, tx, rx, cfg, src, sum, size))
		} else {
			lem = append(lem, lemparOnce(t, l, tx, rx, cfg, src, sum, size))
			tcp = append(tcp, plainTCP(t, l, tx, rxHost, src, size))
		}
		t.Logf("run %d: plain TCP %.1f MB/s, Lempar %.1f MB/s", i+1, tcp[i], lem[i])
	}
	mt, ml := median(tcp), median(lem)
	ratio := ml / mt
	t.Logf("FIGURE wifi-like link (300mbit tbf, 0.5%% loss), %d MiB × %d runs: plain TCP median %.1f MB/s, Lempar median %.1f MB/s, ratio %.3f; %d packets dropped by the loss rule",
		size>>20, runs, mt, ml, ratio, droppedPackets(l, rxHost))
	if droppedPackets(l, rxHost) <= 0 {
		t.Errorf("the loss rule dropped nothing: the link was not lossy")
	}
	if ratio < 0.9 {
		t.Errorf("Lempar reached %.3f of plain TCP on the Wi-Fi-like link; want ≥ 0.9", ratio)
	}
}

// plainTCP sends src from host a to host b over bare TCP and returns MB/s.
func plainTCP(t *testing.T, l *netns.LAN, a, b int, src string, size int64) float64 {
	t.Helper()
	recv := runHelper(t, l, b, "tcp-recv")
	_, ev := recv.WaitFrom(0, 20*time.Second, "listening", func(e testproc.Event) bool { return e.Str("event") == "listening" })
	addr := net.JoinHostPort(l.Addr(b).String(), strconv.FormatInt(ev.Num("port"), 10))
	send := runHelper(t, l, a, "tcp-send "+addr+" "+src)
	if code := send.Exit(10 * time.Minute); code != 0 {
		t.Fatalf("plain TCP send: exit %d: %s", code, send.Stderr())
	}
	_, done := send.WaitFrom(0, time.Second, "done", func(e testproc.Event) bool { return e.Str("event") == "done" })
	if done.Num("bytes") != size {
		t.Fatalf("plain TCP sent %d of %d bytes", done.Num("bytes"), size)
	}
	recv.Exit(30 * time.Second)
	secs, _ := done.M["seconds"].(float64)
	return float64(size) / secs / 1e6
}

// lemparOnce sends src to rx, checks what arrived and removes it again;
// it returns MB/s over the sender's whole run (start to exit).
func lemparOnce(t *testing.T, l *netns.LAN, h int, rx *receiver, cfg, src, sum string, size int64) float64 {
	t.Helper()
	from := len(rx.Events())
	p := startSend(t, l, h, cfg, rx.addr, src)
	if code := p.Exit(10 * time.Minute); code != 0 {
		t.Fatalf("send: exit %d: %s", code, p.Stderr())
	}
	_, fin := rx.WaitFrom(from, 30*time.Second, "final receiver event", testproc.Event.Final)
	if fin.Str("state") != "done" {
		t.Fatalf("receiver: %v", fin)
	}
	got := filepath.Join(rx.dir, filepath.Base(src))
	if h := fileHash(got); h != sum {
		t.Fatalf("received file differs from the source (sha256 %s, want %s)", h, sum)
	}
	if err := os.Remove(got); err != nil {
		t.Fatal(err)
	}
	t.Logf("  Lempar run: %.2f s in all, of which %.2f s from the last byte sent to done (receiver's fsync and ack)", p.Elapsed().Seconds(), tailTime(p).Seconds())
	return mbps(size, p.Elapsed())
}

// tailTime is how long a sender waited between its "verifying" event (all
// bytes sent) and its final one.
func tailTime(p *testproc.Proc) time.Duration {
	var verify, end time.Time
	for _, e := range p.Events() {
		if e.Str("state") == "verifying" && verify.IsZero() {
			verify = e.At
		}
		if e.Final() {
			end = e.At
		}
	}
	if verify.IsZero() || end.IsZero() {
		return 0
	}
	return end.Sub(verify)
}

// runHelper starts this test binary as a helper tool on host h.
func runHelper(t testing.TB, l *netns.LAN, h int, what string) *testproc.Proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return run(t, l, h, nil, []string{envHelper + "=" + what}, exe)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
