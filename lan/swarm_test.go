package lan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The swarm (issue 15) on a switched LAN of 100 Mbit/s links, each shaped
// both ways (switched_test.go): real `lempar-cli receive` processes that
// accept the sender by a trust rule, one `lempar-cli send --to … --to …`.
// The figures against the targets are the benchmark's (swarm_bench_test.go,
// make swarm-bench); these tests run in make lan and keep to seconds.

const swarmRate = "100mbit"

// TestSwarmEight: eight receivers, all byte-identical; the time to all
// eight against a send to one receiver in the same run, and the bytes
// through the sender's link. With the swarm the bounds hold with margin
// for a loaded 2-core machine (targets: 1.3× and 1.5× the file).
func TestSwarmEight(t *testing.T) {
	requireSuite(t)
	size := envSize(t, "LEMPAR_SWARM_SIZE", 32<<20)
	r := newSwarmRig(t, 8, 0, size, swarmRate)
	one := r.send(r.rx[:1]).finish(2 * time.Minute)
	all := r.send(r.rx).finish(5 * time.Minute)
	ratio := all.wall.Seconds() / one.wall.Seconds()
	up := float64(all.uplink) / float64(size)
	t.Logf("FIGURE swarm-short %d receivers, %d MiB, links %s both ways: one receiver %.2f s, all %.2f s (first %.2f s), ratio %.2f; sender uplink %.2f× the file, a receiver's downlink up to %.2f×; from other receivers %d MiB; CPU %.1f s (one receiver: %.1f s); peak RSS sender %.1f MiB, receivers ≤ %.1f MiB",
		len(r.rx), size>>20, swarmRate, one.wall.Seconds(), all.wall.Seconds(), all.first.Seconds(), ratio, up, float64(all.downlink)/float64(size), all.fromPeers>>20, all.cpu, one.cpu, mib(all.senderHWM), mib(all.rxHWM))
	// Not the speed target (1.3×, make swarm-bench reports it): on this
	// emulation nine processes share the host's cores, and a loaded 2-core
	// machine measured 1.41–1.61. Direct copies take ~8×; a swarm that
	// stopped passing pieces between receivers fails this.
	if ratio > 2.5 {
		t.Errorf("all %d receivers took %.2f× the time of one (%.2f s vs %.2f s); want ≤ 2.5 here (direct copies take ~8×; target 1.3 in make swarm-bench)", len(r.rx), ratio, all.wall.Seconds(), one.wall.Seconds())
	}
	if up > 1.6 {
		t.Errorf("the sender's link carried %.2f× the file; want ≤ 1.6 here (target 1.5, plus headers)", up)
	}
	if limit := int64(64 << 20); all.senderHWM > limit || all.rxHWM > limit {
		t.Errorf("peak RSS sender %.1f MiB, receivers up to %.1f MiB; want ≤ 64 MiB each", mib(all.senderHWM), mib(all.rxHWM))
	}
}

// TestSwarmReceiverKilled: a receiver SIGKILLed at 40% doesn't stall the
// others; started again (same identity, folder and port) it resumes from
// its partial file and finishes, and the send ends with every copy intact.
func TestSwarmReceiverKilled(t *testing.T) {
	requireSuite(t)
	size := envSize(t, "LEMPAR_SWARM_SIZE", 32<<20)
	r := newSwarmRig(t, 4, 0, size, swarmRate)
	s := r.send(r.rx)
	victim := r.rx[1]
	if !victim.Until(2*time.Minute, func() bool { return s.progress(victim) >= 0.4 }) {
		t.Fatalf("host %d never reached 40%%: %v", victim.host, victim.Events())
	}
	victim.kill(t)
	had := s.progress(victim)
	for _, rx := range r.rx {
		if rx != victim {
			s.awaitFinal(rx, 2*time.Minute)
		}
	}
	if s.p.Exited() {
		t.Fatalf("the send ended (exit %d) while a receiver was away: it should wait for it to return", s.p.ExitCode())
	}
	// Everything the killed host gets from now on goes through its switch
	// port: from the sender or from other receivers.
	in0 := portBytes(t, r.l, victim.host, "tx_bytes")
	r.restart(victim)
	s.from[victim] = 0
	fin := s.finish(3 * time.Minute)
	got := portBytes(t, r.l, victim.host, "tx_bytes") - in0
	t.Logf("FIGURE receiver killed at %.0f%% of %d MiB: after the restart it took in %.1f MiB (the rest is %.1f MiB); all done %.2f s after the send started",
		had*100, size>>20, mib(got), mib(int64((1-had)*float64(size))), fin.wall.Seconds())
	// It had ≥ 40%: receiving it all again would take in ≥ 100%. The rest
	// plus a tenth of the file covers headers and the last unwritten
	// chunks a kill loses.
	if limit := int64((1-had+0.1)*float64(size)) + 1<<20; got > limit {
		t.Errorf("the restarted receiver took in %.1f MiB; want ≤ %.1f MiB (it had %.0f%%: it should resume, not start over)", mib(got), mib(limit), had*100)
	}
}

// TestSwarmSenderKilled: the sender SIGKILLed once every piece is out; the
// receivers finish from each other.
func TestSwarmSenderKilled(t *testing.T) {
	requireSuite(t)
	if !swarmSupported(t) {
		t.Skip("skipping: lempar-cli send has no swarm yet (no --no-swarm); without it receivers can't finish from each other")
	}
	size := envSize(t, "LEMPAR_SWARM_SIZE", 32<<20)
	r := newSwarmRig(t, 4, 0, size, swarmRate)
	s := r.send(r.rx)
	if !s.p.Until(2*time.Minute, func() bool { return allPiecesOut(s) }) {
		t.Fatalf("the pieces never all left the sender: uplink %.1f MiB of %d MiB", mib(portBytes(t, r.l, 0, "rx_bytes")-s.up0), size>>20)
	}
	s.p.Signal(os.Kill)
	s.p.Wait(10 * time.Second)
	up := portBytes(t, r.l, 0, "rx_bytes") - s.up0
	for _, rx := range r.rx {
		s.awaitFinal(rx, 2*time.Minute)
		r.checkCopy(rx, s.src)
	}
	t.Logf("FIGURE sender killed after its link carried %.2f× the file; all %d receivers finished from each other", float64(up)/float64(size), len(r.rx))
}

// TestSwarmSendAgain: the same file to the same room twice in a row, the
// second send starting as soon as the first is reported done (a teacher
// who sends again): each is its own transfer on every receiver, reported
// to the end. The benchmark once saw the second reported by no event on a
// receiver still serving the first swarm; that is timing, so this may pass
// where the bug is.
func TestSwarmSendAgain(t *testing.T) {
	requireSuite(t)
	r := newSwarmRig(t, 4, 0, 8<<20, swarmRate)
	for range 3 {
		r.send(r.rx).finish(2 * time.Minute)
	}
}

// TestSwarmMixed: one send to two Lempar receivers and a LocalSend device
// (localsend@0.1.2 from npm, found by LocalSend's multicast): all three get
// the file.
func TestSwarmMixed(t *testing.T) {
	requireSuite(t)
	node, lsCLI := localsendPeer(t)
	const size = 6 << 20
	// Hosts 1 and 2 receive with Lempar, host 3 is the LocalSend device.
	r := newSwarmRig(t, 2, 1, size, swarmRate)
	save := filepath.Join(t.TempDir(), "ls-received")
	ls := run(t, r.l, 3, nil, []string{"NO_COLOR=1"}, node, lsCLI, "receive", "--alias", "LS-Tablet", "--saveDir", save, "--autoAccept")
	if !ls.Until(20*time.Second, func() bool { return strings.Contains(ls.Output(), "Server started on port 53317") }) {
		t.Fatalf("localsend receive did not start: %s", ls.Output())
	}
	s := r.send(r.rx, "--to", "LS-Tablet")
	res := s.finish(2 * time.Minute)
	if h := fileHash(filepath.Join(save, filepath.Base(s.src))); h != r.sum {
		t.Fatalf("the LocalSend device's copy differs (sha256 %q)", h)
	}
	targets := map[string]string{}
	inSwarm := map[string]bool{}
	for _, e := range s.p.Events() {
		if e.Final() {
			targets[e.Str("target")] = e.Str("state")
			inSwarm[e.Str("target")] = e.M["swarm"] == true
		}
	}
	if targets["LS-Tablet"] != "done" || len(targets) != 3 {
		t.Fatalf("the sender's final events per target: %v", targets)
	}
	if swarmSupported(t) {
		// The two Lempar receivers share one copy, the LocalSend device
		// gets its own: twice the file, where direct sends take three.
		if !inSwarm[r.rx[0].addr] || !inSwarm[r.rx[1].addr] || inSwarm["LS-Tablet"] {
			t.Errorf("swarm per target: %v; want the two Lempar receivers in it and the LocalSend device not", inSwarm)
		}
		if up := float64(res.uplink) / size; up > 2.3 {
			t.Errorf("the sender's link carried %.2f× the file; want ≤ 2.3 (one copy for the swarm, one for LocalSend)", up)
		}
	}
	t.Logf("FIGURE mixed send (2 Lempar, 1 LocalSend), %d MiB: %.2f s, sender uplink %.2f× the file", size>>20, res.wall.Seconds(), float64(res.uplink)/size)
}

// localsendPeer finds localsend@0.1.2's CLI (make deps-localsend), or skips.
func localsendPeer(t *testing.T) (node, cli string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipping: node is not installed (Node 20+; then make deps-localsend)")
	}
	dir := os.Getenv("LEMPAR_LOCALSEND_DIR")
	if dir == "" {
		dir = filepath.Join("..", ".cache", "localsend")
	}
	cli, err = filepath.Abs(filepath.Join(dir, "node_modules", "localsend", "dist", "cli.js"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cli); err != nil {
		t.Skipf("skipping: localsend@0.1.2 is not installed in %s (make deps-localsend)", dir)
	}
	return node, cli
}

// allPiecesOut: the receivers together have taken in a whole file's worth
// from the sender (receive --json's from_sender, bytes that arrived). The
// schedule sends each piece from the sender once, to its owner, so every
// piece is then on some receiver and none is left in the sender's socket
// buffers, which a SIGKILL may throw away.
func allPiecesOut(s *swarmSend) bool {
	var sum int64
	for _, rx := range s.targets {
		sum += s.last(rx, isIncoming).Num("from_sender")
	}
	return sum >= s.r.size
}
