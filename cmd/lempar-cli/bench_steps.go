//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lempar/lempar/transfer"
)

// ceilings measures what the machine allows without Lempar: the loopback
// link, TLS on it, and the disk.
func (b *bench) ceilings(ctx context.Context) error {
	type ceiling struct {
		id      string
		measure func() (time.Duration, error)
		samples []float64
	}
	cs := []*ceiling{
		{id: "ceiling-tcp", measure: func() (time.Duration, error) { return tcpCeiling(b.size) }},
		{id: "ceiling-tls", measure: func() (time.Duration, error) { return tlsCeiling(b.size) }},
		{id: "ceiling-disk", measure: func() (time.Duration, error) { return diskCeiling(b.path("disk.bin"), b.size) }},
	}
	for run := 1; run <= b.f.runs; run++ {
		for _, c := range cs {
			if err := ctx.Err(); err != nil {
				return err
			}
			d, err := c.measure()
			if err != nil {
				return benchErr("cli.bench.err.ceiling", fmt.Sprintf("%s: %v", b.label(c.id), err))
			}
			r := mbps(b.size, d.Seconds())
			c.samples = append(c.samples, r)
			b.sayRun(run, b.label(c.id), fmt.Sprintf("%.0f MB/s", r))
		}
	}
	for _, c := range cs {
		m := median(c.samples)
		b.add(benchResult{Scenario: c.id, Kind: "ceiling", Label: b.label(c.id), Bytes: b.size,
			Seconds: float64(b.size) / 1e6 / m, MBps: m, Samples: c.samples})
	}
	return nil
}

// large sends one big file with Lempar and with the bare end-to-end copy,
// alternating.
func (b *bench) large(ctx context.Context) error {
	src := b.path("src", "large.bin")
	dl := b.path("dl")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		return err
	}
	b.say("cli.bench.preparing", "What", b.label("large-file"))
	if err := writeDataFile(src, b.size); err != nil {
		return benchErr("cli.bench.err.data", err.Error())
	}
	defer os.Remove(src)
	var e2e, lem []float64
	var runs, e2eRuns []lemparRun
	for run := 1; run <= b.f.runs; run++ {
		for _, lemparTurn := range []bool{lemparFirst(run), !lemparFirst(run)} {
			if err := freshDir(dl); err != nil {
				return err
			}
			if lemparTurn {
				r, err := b.lemparOnce(ctx, dl, []string{src}, b.size)
				if err != nil {
					return err
				}
				if err := checkSize(filepath.Join(dl, "large.bin"), b.size); err != nil {
					return err
				}
				runs = append(runs, r)
				lem = append(lem, mbps(b.size, r.secs))
				b.sayRun(run, b.label("large-file"), fmt.Sprintf("%.0f MB/s", lem[len(lem)-1])+procStats(r))
			} else {
				r, err := b.e2eOnce(ctx, src, filepath.Join(dl, "e2e.bin"))
				if err != nil {
					return err
				}
				e2eRuns = append(e2eRuns, r)
				e2e = append(e2e, mbps(b.size, r.secs))
				b.sayRun(run, b.label("ceiling-e2e"), fmt.Sprintf("%.0f MB/s", e2e[len(e2e)-1])+procStats(r))
			}
		}
	}
	_ = os.RemoveAll(dl)
	ce := median(e2e)
	ref := b.lemparResult("ceiling-e2e", e2eRuns, e2e, b.size)
	ref.Kind = "ceiling"
	b.add(ref)
	r := b.lemparResult("large-file", runs, lem, b.size)
	r.CeilingMBps, r.Ceiling = ptr(ce), "ceiling-e2e"
	r.Ratio = ptr(r.MBps / ce)
	r.Target = b.tr.T("cli.bench.target.large", "Min", targetLargeRatio, "RSS", targetRSSMiB)
	r.Pass = ptr(*r.Ratio >= targetLargeRatio && r.rssPass())
	b.add(r)
	return nil
}

// lemparResult summarises the runs of one Lempar scenario: medians of
// speed, time and bytes sent, the highest RSS.
func (b *bench) lemparResult(id string, runs []lemparRun, rates []float64, bytes int64) benchResult {
	var secs, sent, tx, rx, ctx, crx []float64
	for _, r := range runs {
		secs = append(secs, r.secs)
		sent = append(sent, float64(r.sent))
		tx, rx = append(tx, r.rssTx), append(rx, r.rssRx)
		ctx, crx = append(ctx, r.cpuTx), append(crx, r.cpuRx)
	}
	return benchResult{Scenario: id, Kind: "lempar", Label: b.label(id), Bytes: bytes, Seconds: median(secs),
		MBps: median(rates), SentBytes: ptr(int64(median(sent))), RSSSender: ptr(maxOf(tx)), RSSReceiver: ptr(maxOf(rx)),
		Samples: rates, CPUSender: ptr(median(ctx)), CPUReceiver: ptr(median(crx))}
}

// e2eOnce is the end-to-end ceiling: two helper processes copy the file
// over TLS 1.3 into a file and fsync it. It is timed like a Lempar
// transfer: from the sender's start until both have exited.
func (b *bench) e2eOnce(ctx context.Context, src, dst string) (r lemparRun, err error) {
	ports := make(chan int, 1)
	var got int64
	rx, err := startChild(ctx, b.exe, []string{"bench-helper", "tls-recv", dst}, func(e cliEvent) {
		switch e.Event {
		case "listening":
			ports <- e.Port
		case "done":
			got = e.Bytes // read after rx.exited
		}
	})
	if err != nil {
		return r, benchErr("cli.bench.err.helper", err.Error())
	}
	port, err := waitPort(rx, ports)
	if err != nil {
		return r, benchErr("cli.bench.err.helper", err.Error())
	}
	tx, err := startChild(ctx, b.exe, []string{"bench-helper", "tls-send", fmt.Sprintf("127.0.0.1:%d", port), src}, nil)
	if err != nil {
		_ = rx.wait(0)
		return r, benchErr("cli.bench.err.helper", err.Error())
	}
	terr := tx.wait(sendTimeout(b.size))
	rerr := rx.wait(sendTimeout(b.size))
	if terr != nil || rerr != nil {
		return r, benchErr("cli.bench.err.helper", tx.failure(terr)+"; "+rx.failure(rerr))
	}
	defer os.Remove(dst)
	if got != b.size {
		return r, benchErr("cli.bench.err.helper", fmt.Sprintf("received %d of %d bytes", got, b.size))
	}
	end := tx.end
	if rx.end.After(end) {
		end = rx.end
	}
	return lemparRun{secs: end.Sub(tx.start).Seconds(), sent: got, rssTx: tx.rssMiB(), rssRx: rx.rssMiB(),
		cpuTx: tx.cpuSeconds(), cpuRx: rx.cpuSeconds()}, nil
}

// small sends many small files with Lempar and with tar | TCP | tar,
// alternating.
func (b *bench) small(ctx context.Context) error {
	src := b.path("src", "small")
	b.say("cli.bench.preparing", "What", b.label("small-files"))
	if err := makeSmallFiles(src, b.f.files, b.fileSize); err != nil {
		return benchErr("cli.bench.err.data", err.Error())
	}
	defer os.RemoveAll(src)
	bytes := int64(b.f.files) * b.fileSize
	dl, dst := b.path("dl"), b.path("tar")
	var tarRates, tarFiles, lem, lemFiles []float64
	var runs, tarRuns []lemparRun
	for run := 1; run <= b.f.runs; run++ {
		for _, lemparTurn := range []bool{lemparFirst(run), !lemparFirst(run)} {
			if lemparTurn {
				if err := freshDir(dl); err != nil {
					return err
				}
				r, err := b.lemparOnce(ctx, dl, []string{src}, bytes)
				if err != nil {
					return err
				}
				if err := checkCount(filepath.Join(dl, "small"), b.f.files); err != nil {
					return err
				}
				runs = append(runs, r)
				lem, lemFiles = append(lem, mbps(bytes, r.secs)), append(lemFiles, float64(b.f.files)/r.secs)
				b.sayRun(run, b.label("small-files"), b.tr.T("cli.bench.result.files", "Files", fmt.Sprintf("%.0f", lemFiles[len(lemFiles)-1]),
					"MBps", fmt.Sprintf("%.1f", lem[len(lem)-1]))+procStats(r))
				_ = os.RemoveAll(dl)
			} else {
				if err := freshDir(dst); err != nil {
					return err
				}
				r, err := tarOnce(ctx, src, dst)
				if err != nil {
					return benchErr("cli.bench.err.tar-run", err.Error())
				}
				if err := checkCount(dst, b.f.files); err != nil {
					return err
				}
				tarRuns = append(tarRuns, r)
				tarRates, tarFiles = append(tarRates, mbps(bytes, r.secs)), append(tarFiles, float64(b.f.files)/r.secs)
				b.sayRun(run, b.label("ref-tar"), b.tr.T("cli.bench.result.files", "Files", fmt.Sprintf("%.0f", tarFiles[len(tarFiles)-1]),
					"MBps", fmt.Sprintf("%.1f", tarRates[len(tarRates)-1]))+procStats(r))
				_ = os.RemoveAll(dst)
			}
		}
	}
	tarFPS := median(tarFiles)
	ref := b.lemparResult("ref-tar", tarRuns, tarRates, bytes)
	ref.Kind, ref.Files, ref.FilesPerS, ref.SentBytes = "reference", b.f.files, ptr(tarFPS), nil
	b.add(ref)
	r := b.lemparResult("small-files", runs, lem, bytes)
	r.Files = b.f.files
	fps := median(lemFiles)
	r.FilesPerS = ptr(fps)
	r.CeilingMBps, r.Ceiling = ptr(median(tarRates)), "ref-tar"
	r.Ratio = ptr(fps / tarFPS)
	r.FilesTargetMet = ptr(fps >= targetSmallFiles)
	info := b.tr.T("cli.bench.no")
	if *r.FilesTargetMet {
		info = b.tr.T("cli.bench.yes")
	}
	r.Target = b.tr.T("cli.bench.target.small", "Min", targetSmallRatio, "Files", targetSmallFiles, "Met", info, "RSS", targetRSSMiB)
	r.Pass = ptr(*r.Ratio >= targetSmallRatio && r.rssPass())
	b.add(r)
	return nil
}

// procStats shows a run's sender / receiver peak memory and CPU time.
func procStats(r lemparRun) string {
	return fmt.Sprintf(" (RSS %.0f / %.0f MiB, CPU %.1f / %.1f s in %.1f s)", r.rssTx, r.rssRx, r.cpuTx, r.cpuRx, r.secs)
}

func checkSize(path string, want int64) error {
	st, err := os.Stat(path)
	if err == nil && st.Size() != want {
		err = fmt.Errorf("%d bytes instead of %d", st.Size(), want)
	}
	if err != nil {
		return &transfer.Error{Code: "bench-wrong-copy", Key: "cli.bench.err.verify", Args: []any{"Path", path, "Detail", err.Error()}}
	}
	return nil
}

func checkCount(dir string, want int) error {
	n, err := countFiles(dir)
	if err == nil && n != want {
		err = fmt.Errorf("%d files instead of %d", n, want)
	}
	if err != nil {
		return &transfer.Error{Code: "bench-wrong-copy", Key: "cli.bench.err.verify", Args: []any{"Path", dir, "Detail", err.Error()}}
	}
	return nil
}

// label is a scenario's name as the person reads it.
func (b *bench) label(id string) string {
	return b.tr.T("cli.bench.scenario."+id, "Size", sizeIEC(b.size), "N", b.f.files,
		"FileSize", sizeIEC(b.fileSize), "ResumeSize", sizeIEC(b.resumeSize))
}
