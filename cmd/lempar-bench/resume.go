//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/lempar/lempar/savedir"
	"github.com/lempar/lempar/transfer"
)

// resume cuts a transfer at half, kills the receiver with SIGKILL, starts
// it again and sends the same file: only the missing half should travel.
func (b *bench) resume(ctx context.Context) error {
	src := b.path("src", "resume.bin")
	dl := b.path("dl")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		return err
	}
	b.say("cli.bench.preparing", "What", b.label("resume"))
	if err := writeDataFile(src, b.resumeSize); err != nil {
		return benchErr("cli.bench.err.data", err.Error())
	}
	defer os.Remove(src)
	var runs []lemparRun
	var rates, shares []float64
	for run := 1; run <= b.f.runs; run++ {
		if err := freshDir(dl); err != nil {
			return err
		}
		r, cut, err := b.resumeOnce(ctx, src, dl)
		if err != nil {
			return err
		}
		if err := checkSize(filepath.Join(dl, "resume.bin"), b.resumeSize); err != nil {
			return err
		}
		runs = append(runs, r)
		rates = append(rates, mbps(r.sent, r.secs))
		shares = append(shares, float64(r.sent)/float64(b.resumeSize))
		b.sayRun(run, b.label("resume"), b.tr.T("cli.bench.result.resume",
			"Cut", fmt.Sprintf("%.1f", 100*float64(cut)/float64(b.resumeSize)),
			"Sent", fmt.Sprintf("%.1f", 100*shares[len(shares)-1]), "MBps", fmt.Sprintf("%.0f", rates[len(rates)-1]))+procStats(r))
	}
	_ = os.RemoveAll(dl)
	r := b.lemparResult("resume", runs, rates, b.resumeSize)
	r.Ratio = ptr(median(shares))
	r.Ceiling = "file-size"
	r.Target = b.tr.T("cli.bench.target.resume", "Max", targetResumeShare, "RSS", targetRSSMiB)
	r.Pass = ptr(*r.Ratio <= targetResumeShare && r.rssPass())
	b.add(r)
	return nil
}

// resumeOnce does one cut-and-resume. The first send goes through a relay
// that stops passing the sender's bytes once half the file has gone by, so
// the cut lands at half whatever the speed; the receiver is killed once its
// partial file stops growing. It returns the second send, with the highest
// RSS of both rounds, and how many bytes the partial held at the cut.
func (b *bench) resumeOnce(ctx context.Context, src, dl string) (lemparRun, int64, error) {
	rx1, err := b.startReceiver(ctx, dl, nil)
	if err != nil {
		return lemparRun{}, 0, err
	}
	relay, err := newCutRelay(fmt.Sprintf("127.0.0.1:%d", rx1.port), b.resumeSize/2)
	if err != nil {
		_ = rx1.stop()
		return lemparRun{}, 0, err
	}
	defer relay.close()
	// --retry-for 0: this send is meant to die with its link, not to wait
	// for the receiver to come back.
	var last1 cliEvent
	tx1, err := b.startSend(ctx, relay.port(), []string{"--retry-for", "0"}, []string{src}, &last1)
	if err != nil {
		_ = rx1.stop()
		return lemparRun{}, 0, err
	}
	cut, err := waitCut(relay, tx1, dl)
	rx1.signal(syscall.SIGKILL)
	_ = rx1.wait(10 * time.Second)
	relay.close()
	// The sender sees the link die; it must fail, not claim success. One
	// that hangs instead is a bug worth a report, but the resumed send can
	// still be measured.
	terr := tx1.exitOrDump(15 * time.Second)
	var stuck *stuckError
	if errors.As(terr, &stuck) {
		b.say("cli.bench.warn.stuck", "File", stuck.dump)
	} else if err == nil && terr == nil {
		err = fmt.Errorf("the first send finished although its receiver was killed")
	}
	if err != nil {
		return lemparRun{}, 0, benchErr("cli.bench.err.cut", err.Error()+" "+rx1.failure(nil))
	}

	rx2, err := b.startReceiver(ctx, dl, nil)
	if err != nil {
		return lemparRun{}, 0, err
	}
	var last cliEvent
	tx2, err := b.startSend(ctx, rx2.port, nil, []string{src}, &last)
	if err != nil {
		_ = rx2.stop()
		return lemparRun{}, 0, err
	}
	werr := tx2.wait(sendTimeout(b.resumeSize))
	rerr := rx2.stop()
	if werr != nil || last.State != string(transfer.StateDone) {
		return lemparRun{}, 0, benchErr("cli.bench.err.send", tx2.failure(werr)+" "+last.Error)
	}
	if rerr != nil {
		return lemparRun{}, 0, benchErr("cli.bench.err.receiver", rx2.failure(rerr))
	}
	return lemparRun{secs: tx2.seconds(), sent: last.Sent,
		rssTx: max(tx1.rssMiB(), tx2.rssMiB()), rssRx: max(rx1.rssMiB(), rx2.rssMiB()),
		cpuTx: tx2.cpuSeconds(), cpuRx: rx2.cpuSeconds()}, cut, nil
}

// waitCut waits until the relay has cut the link and the receiver has
// written all it got: its partial file keeps one size for 300 ms.
func waitCut(relay *cutRelay, tx *child, dl string) (int64, error) {
	deadline := time.NewTimer(sendTimeout(relay.limit))
	defer deadline.Stop()
	select {
	case <-relay.cut:
	case <-tx.exited:
		return 0, fmt.Errorf("the first send ended before half the file had gone: %s", tx.failure(nil))
	case <-deadline.C:
		return 0, fmt.Errorf("half the file did not go through in time")
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var size int64 = -1
	stable := 0
	for stable < 6 {
		select {
		case <-tick.C:
		case <-deadline.C:
			return 0, fmt.Errorf("the receiver's partial file kept changing")
		}
		parts, _ := filepath.Glob(filepath.Join(dl, savedir.PartialDir, "*"+savedir.PartialSuffix))
		var now int64
		for _, p := range parts {
			if st, err := os.Stat(p); err == nil {
				now += st.Size()
			}
		}
		if now == size && now > 0 {
			stable++
		} else {
			size, stable = now, 0
		}
	}
	return size, nil
}

// cutRelay forwards one connection to target, passing the sender's bytes
// only until limit of them have gone through: from then on the link is
// stalled, as when a cable is pulled, and cut is closed.
type cutRelay struct {
	ln     net.Listener
	target string
	limit  int64
	cut    chan struct{}

	mu     sync.Mutex // guards conns and closed
	conns  []net.Conn
	closed bool
}

func newCutRelay(target string, limit int64) (*cutRelay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &cutRelay{ln: ln, target: target, limit: limit, cut: make(chan struct{})}
	go r.serve()
	return r, nil
}

func (r *cutRelay) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

func (r *cutRelay) serve() {
	in, err := r.ln.Accept()
	if err != nil {
		return
	}
	out, err := net.Dial("tcp", r.target)
	if err != nil {
		in.Close()
		return
	}
	if !r.track(in, out) {
		in.Close()
		out.Close()
		return
	}
	go func() { _, _ = io.Copy(in, out) }()
	buf := make([]byte, 256<<10)
	for left := r.limit; left > 0; {
		n, err := in.Read(buf[:min(int64(len(buf)), left)])
		if n > 0 {
			if _, werr := out.Write(buf[:n]); werr != nil {
				return
			}
			left -= int64(n)
		}
		if err != nil {
			return
		}
	}
	close(r.cut)
}

// track records conns so close can end them; false if already closed.
func (r *cutRelay) track(cs ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	for _, c := range cs {
		if c != nil {
			r.conns = append(r.conns, c)
		}
	}
	return true
}

func (r *cutRelay) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	r.ln.Close()
	for _, c := range r.conns {
		c.Close()
	}
}
