package lan

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// TestOfferFlood: one host offers 1,000 times as fast as the receiver
// answers and hangs up on any offer not decided within 200 ms. The
// receiver must keep answering (a probe from another host), must not put
// more than a trickle of those offers in front of its person, and a device
// it trusts must still get a file through meanwhile. The flood comes from
// 16 connections at a time, then from 64: more than the receiver's 32
// slots for connections that have not said hello yet.
func TestOfferFlood(t *testing.T) {
	requireSuite(t)
	for _, conc := range []int{16, 64} {
		t.Run(strconv.Itoa(conc)+" connections", func(t *testing.T) { offerFlood(t, conc) })
	}
}

func offerFlood(t *testing.T, conc int) {
	const offers = 1000
	l := netns.New(t, 3)
	const attacker, rxHost, friend = 0, 1, 2

	tmp := t.TempDir()
	friendCfg := filepath.Join(tmp, "friend")
	friendID := deviceID(t, l, friend, friendCfg)
	src := filepath.Join(tmp, "src", "notes.pdf")
	sum := writeData(t, src, 8<<20, 5)
	dl := filepath.Join(tmp, "dl")
	// Strangers are asked on stdin, which never answers: each offer that
	// gets through is a dialog waiting for a person.
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdinW.Close(); stdinR.Close() })
	rx := startReceiver(t, l, rxHost, dl, stdinR, "--accept-from", friendID)
	probe := runHelper(t, l, friend, "probe "+rx.addr)
	probe.WaitFrom(0, 20*time.Second, "first probe", func(e testproc.Event) bool { return e.Str("event") == "probe" })
	threads0, fds0 := settled(t, rx.Pid)

	floodStart := time.Now()
	fl := runHelper(t, l, attacker, "flood "+rx.addr+" "+strconv.Itoa(offers)+" "+strconv.Itoa(conc)+" 200ms")
	attackerHost := l.Addr(attacker).String()
	fromAttacker := func(e testproc.Event) bool {
		host, _, _ := net.SplitHostPort(e.Str("peer_addr"))
		return host == attackerHost
	}
	// Once the flood is well under way, the friend sends a file.
	seen := 0
	// Most of a wide flood is turned away at accept (at most 8 unanswered
	// connections per host), before any event; 10 refused offers show the
	// flood is reaching the offer stage.
	rx.WaitFrom(0, time.Minute, "10 refused offers", func(e testproc.Event) bool {
		if e.Str("event") == "refused" && fromAttacker(e) {
			seen++
		}
		return seen >= 10
	})
	from := len(rx.Events())
	friendSend := startSend(t, l, friend, friendCfg, rx.addr, src)
	if code := friendSend.Exit(time.Minute); code != 0 {
		fin, _ := friendSend.LastFinal()
		t.Errorf("the trusted device's send during the flood failed: exit %d: %s", code, fin.Str("error"))
	} else {
		_, rfin := rx.WaitFrom(from, 30*time.Second, "friend's transfer", func(e testproc.Event) bool { return e.Final() && !fromAttacker(e) })
		if rfin.Str("state") != "done" {
			t.Fatalf("receiver, friend's transfer: %v", rfin)
		}
		if h := fileHash(filepath.Join(dl, "notes.pdf")); h != sum {
			t.Fatalf("friend's file differs (sha256 %q)", h)
		}
	}
	friendTime := friendSend.Elapsed()

	if code := fl.Exit(2 * time.Minute); code != 0 {
		t.Fatalf("flood helper: exit %d: %s", code, fl.Stderr())
	}
	floodTime := time.Since(floodStart)
	_, fev := fl.WaitFrom(0, time.Second, "flood result", func(e testproc.Event) bool { return e.Str("event") == "flood" })
	var res floodResult
	b, _ := json.Marshal(fev.M["result"])
	_ = json.Unmarshal(b, &res)

	// Probes while the flood ran.
	var lat []float64
	failed, probeErr := 0, ""
	for _, e := range probe.Events() {
		if e.Str("event") != "probe" || e.At.Before(floodStart) || e.At.After(floodStart.Add(floodTime)) {
			continue
		}
		if e.Str("error") != "" {
			failed++
			probeErr = e.Str("error")
			continue
		}
		ms, _ := e.M["ms"].(float64)
		lat = append(lat, ms)
	}
	slices.Sort(lat)

	// What the receiver saw from the attacker: sessions that reached a
	// decision (person or rule) end with a transfer event; the rest were
	// refused before an offer was even read.
	var reached, refused int
	for _, e := range rx.Events() {
		switch {
		case !fromAttacker(e):
		case e.Final():
			reached++
		case e.Str("event") == "refused":
			refused++
		}
	}
	dialogs := strings.Count(rx.Stderr(), "wants to send you")
	t.Logf("FIGURE offer flood, %d connections at a time: %d offers in %.1f s (%d busy, %d decided, %d unanswered in 200 ms, %d failed%s); receiver: %d refused, %d reached a decision, %d dialogs shown; trusted device's 8 MiB send took %.2f s; %d probes, median %.1f ms, max %.1f ms, %d failed",
		conc, res.Sent, res.Seconds, res.Busy, res.Decided, res.Pending, res.Failed, lastFail(res), refused, reached, dialogs, friendTime.Seconds(), len(lat), pct(lat, 0.5), pct(lat, 1), failed)

	if res.Sent+res.Failed < offers || res.Seconds > 60 {
		t.Errorf("the flood made %d offers in %.1f s; the scenario is %d within a minute", res.Sent+res.Failed, res.Seconds, offers)
	}
	// Offers reach a person at the per-address rate: a burst, then a
	// steady trickle per minute. 60 in a minute is far above that and far
	// below the flood.
	if limit := 60 * max(1, int(floodTime/time.Minute)+1); reached > limit || dialogs > limit {
		t.Errorf("%d flood offers reached a decision and %d dialogs were shown; want ≤ %d", reached, dialogs, limit)
	}
	if failed > 0 || len(lat) < 3 {
		t.Errorf("the receiver did not answer every probe during the flood: %d answered, %d failed (last: %s)", len(lat), failed, probeErr)
	}
	if m := pct(lat, 1); m > 2000 {
		t.Errorf("a probe took %.0f ms during the flood", m)
	}
	if friendTime > 30*time.Second {
		t.Errorf("the trusted device needed %v for 8 MiB during the flood", friendTime)
	}

	// The refused connections leave nothing behind.
	var threads, fds int
	ok := false
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && !ok; time.Sleep(200 * time.Millisecond) {
		threads, fds = int(procStatus(t, rx.Pid, "Threads")), openFDs(t, rx.Pid)
		ok = fds <= fds0
	}
	t.Logf("receiver after the flood: threads %d (before %d), open files %d (before %d)", threads, threads0, fds, fds0)
	if !ok {
		t.Errorf("receiver kept %d open files after the flood; %d before", fds, fds0)
	}
}

// settled waits (up to 10 s) until the process's thread and descriptor
// counts have not changed for a second, and returns them: a baseline taken
// before a receiver has opened all its sockets would be too low.
func settled(t *testing.T, pid int) (threads, fds int) {
	t.Helper()
	threads, fds = int(procStatus(t, pid, "Threads")), openFDs(t, pid)
	since := time.Now()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end) && time.Since(since) < time.Second; time.Sleep(100 * time.Millisecond) {
		th, fd := int(procStatus(t, pid, "Threads")), openFDs(t, pid)
		if th != threads || fd != fds {
			threads, fds, since = th, fd, time.Now()
		}
	}
	return threads, fds
}

func lastFail(r floodResult) string {
	if r.LastFail == "" {
		return ""
	}
	return "; last failure: " + r.LastFail
}

// pct is the q-quantile of sorted xs (0 when empty).
func pct(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return xs[min(len(xs)-1, int(q*float64(len(xs))))]
}

// TestSilentConnections: one host opens 40 TCP connections to the receiver
// and says nothing on them, reopening each one the receiver closes. A
// device it trusts must still be able to send, and probes must be
// answered.
func TestSilentConnections(t *testing.T) {
	requireSuite(t)
	l := netns.New(t, 3)
	const attacker, rxHost, friend = 0, 1, 2
	tmp := t.TempDir()
	friendCfg := filepath.Join(tmp, "friend")
	friendID := deviceID(t, l, friend, friendCfg)
	src := filepath.Join(tmp, "src", "notes.pdf")
	sum := writeData(t, src, 1<<20, 6)
	dl := filepath.Join(tmp, "dl")
	rx := startReceiver(t, l, rxHost, dl, nil, "--accept-from", friendID)

	h := runHelper(t, l, attacker, "hold "+rx.addr+" 40")
	h.WaitFrom(0, 20*time.Second, "40 connections held", func(e testproc.Event) bool { return e.Num("opened") >= 40 })
	probe := runHelper(t, l, friend, "probe "+rx.addr)
	_, pe := probe.WaitFrom(0, 20*time.Second, "a probe", func(e testproc.Event) bool { return e.Str("event") == "probe" })

	p := startSend(t, l, friend, friendCfg, rx.addr, src)
	code := p.Exit(time.Minute)
	fin, _ := p.LastFinal()
	t.Logf("FIGURE 40 silent connections from one host: trusted device's send exit %d in %.2f s (%s); first probe %s",
		code, p.Elapsed().Seconds(), fin.Str("error"), pe.String())
	if code != 0 {
		t.Errorf("a trusted device could not send while another host held 40 silent connections: exit %d: %s", code, fin.Str("error"))
	} else if got := fileHash(filepath.Join(dl, "notes.pdf")); got != sum {
		t.Errorf("file differs (sha256 %q)", got)
	}
	if pe.Str("error") != "" {
		t.Errorf("probe failed while another host held 40 silent connections: %s", pe.Str("error"))
	}
}
