//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/transfer"
)

// pipeCopy must copy every byte, in order, whatever the size against its
// buffers, and report the count.
func TestPipeCopy(t *testing.T) {
	const buf = 4096
	src := randomBlock(5*buf + 17)
	for _, n := range []int{0, 1, buf - 1, buf, buf + 1, 3 * buf, len(src)} {
		for _, depth := range []int{1, 2, 4} {
			var dst bytes.Buffer
			got, err := pipeCopy(&dst, bytes.NewReader(src[:n]), buf, depth)
			if err != nil || got != int64(n) || !bytes.Equal(dst.Bytes(), src[:n]) {
				t.Errorf("n=%d depth=%d: copied %d (err %v), equal %v", n, depth, got, err, bytes.Equal(dst.Bytes(), src[:n]))
			}
		}
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, io.ErrShortWrite
	}
	w.after--
	return len(p), nil
}

func TestPipeCopyWriteError(t *testing.T) {
	_, err := pipeCopy(&failWriter{after: 2}, bytes.NewReader(make([]byte, 10<<10)), 1024, 2)
	if err != io.ErrShortWrite {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}

// The bare copy's two halves, in this process over loopback TLS: the file
// arrives whole, and the receiver names the suite it negotiated.
func TestBareCopy(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if err := writeDataFile(src, 3<<20+12345); err != nil {
		t.Fatal(err)
	}
	id, err := transfer.NewEphemeralIdentity()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	type result struct {
		n     int64
		suite string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		n, suite, err := helperReceive(id, dst, json.NewEncoder(pw), copyBuf, copyDepth)
		pw.Close()
		done <- result{n, suite, err}
	}()
	var ev cliEvent
	if err := json.NewDecoder(pr).Decode(&ev); err != nil || ev.Event != "listening" || ev.Port == 0 {
		t.Fatalf("no listening event: %+v, %v", ev, err)
	}
	go io.Copy(io.Discard, pr)
	sent, err := helperSend(id, fmt.Sprintf("127.0.0.1:%d", ev.Port), src, copyBuf, copyDepth)
	if err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	a, _ := os.ReadFile(src)
	b, _ := os.ReadFile(dst)
	if sent != int64(len(a)) || r.n != sent || !bytes.Equal(a, b) {
		t.Fatalf("sent %d, received %d of %d bytes; equal %v", sent, r.n, len(a), bytes.Equal(a, b))
	}
	if !strings.HasPrefix(r.suite, "TLS_") {
		t.Errorf("suite %q", r.suite)
	}
}

// The large file is judged against the bare copy: ratio of the medians,
// ≥ 0.85 passes, and CPU per GB is per side on the bytes moved.
func TestLargeRows(t *testing.T) {
	b := &bench{tr: i18n.Load("en"), size: 1e9, suite: "TLS_AES_128_GCM_SHA256"}
	b.f.runs = 1
	run := func(secs, cpuTx, cpuRx, rss float64) lemparRun {
		return lemparRun{secs: secs, sent: 1e9, rssTx: rss, rssRx: rss, cpuTx: cpuTx, cpuRx: cpuRx}
	}
	for _, c := range []struct {
		lemparMBps, rss float64
		pass            bool
	}{{86, 20, true}, {85, 20, true}, {84, 20, false}, {120, 20, true}, {90, 65, false}} {
		ref, r := b.largeRows([]lemparRun{run(10, 1, 2, 10)}, []float64{100},
			[]lemparRun{run(1000/c.lemparMBps, 1.5, 3, c.rss)}, []float64{c.lemparMBps})
		if got := *r.Ratio; got < c.lemparMBps/100-1e-9 || got > c.lemparMBps/100+1e-9 {
			t.Errorf("%v MB/s: ratio %v", c.lemparMBps, got)
		}
		if *r.Pass != c.pass {
			t.Errorf("%v MB/s, RSS %v: pass = %v, want %v", c.lemparMBps, c.rss, *r.Pass, c.pass)
		}
		if *r.CPUPerGBSender != 1.5 || *r.CPUPerGBReceiver != 3 || *ref.CPUPerGBSender != 1 || *ref.CPUPerGBReceiver != 2 {
			t.Errorf("CPU s/GB: Lempar %v / %v, reference %v / %v", *r.CPUPerGBSender, *r.CPUPerGBReceiver, *ref.CPUPerGBSender, *ref.CPUPerGBReceiver)
		}
		if ref.Kind != "reference" || ref.Suite == "" || r.Ceiling != "ceiling-e2e" {
			t.Errorf("reference row %+v", ref)
		}
	}
}

// The table shows the verdict and both sides' CPU s/GB, and the summary
// sets the difference beside BLAKE3's cost.
func TestWriteTable(t *testing.T) {
	b := &bench{tr: i18n.Load("en"), size: 1e9, suite: "TLS_AES_128_GCM_SHA256"}
	b.f.runs = 3
	ref, r := b.largeRows([]lemparRun{{secs: 10, sent: 1e9, cpuTx: 1, cpuRx: 2}}, []float64{100},
		[]lemparRun{{secs: 12.5, sent: 1e9, cpuTx: 1.25, cpuRx: 2.5, rssTx: 10, rssRx: 10}}, []float64{80})
	b.add(benchResult{Scenario: "blake3", Kind: "primitive", Label: "BLAKE3", MBps: 1000, CPUPerGB: ptr(0.25)})
	b.add(ref)
	b.add(r)
	var out bytes.Buffer
	if err := b.writeTable(&out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{" 0.80 |", "| FAIL ", "1.25 / 2.50", "1.00 / 2.00", " 0.25 |", "difference of 0.25 / 0.50 s", "TLS_AES_128_GCM_SHA256"} {
		if !strings.Contains(s, want) {
			t.Errorf("the report lacks %q:\n%s", want, s)
		}
	}
	if b.missed() != 1 {
		t.Errorf("missed = %d, want 1", b.missed())
	}
}
