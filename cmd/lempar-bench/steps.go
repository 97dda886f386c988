//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ceilings measures what the link allows without Lempar, in this process:
// loopback TCP, and TLS 1.3 on it read and thrown away.
func (b *bench) ceilings(ctx context.Context) error {
	return b.inProcess(ctx, "ceiling", []measure{
		{id: "ceiling-tcp", run: func() (time.Duration, error) { return tcpCeiling(b.size) }},
		{id: "ceiling-tls", run: func() (time.Duration, error) { return tlsCeiling(b.size) }},
	})
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
	ref, r := b.largeRows(e2eRuns, e2e, runs, lem)
	b.add(ref)
	b.add(r)
	return nil
}

// largeRows makes the report's rows for the large file: the bare copy, and
// Lempar judged against it.
func (b *bench) largeRows(refRuns []lemparRun, refRates []float64, runs []lemparRun, rates []float64) (ref, r benchResult) {
	ref = b.lemparResult("ceiling-e2e", refRuns, refRates, b.size)
	ref.Kind, ref.Suite = "reference", b.suite
	r = b.lemparResult("large-file", runs, rates, b.size)
	r.CeilingMBps, r.Ceiling = ptr(ref.MBps), "ceiling-e2e"
	r.Ratio = ptr(r.MBps / ref.MBps)
	r.Target = b.tr.T("cli.bench.target.large", "Min", targetLargeRatio, "RSS", targetRSSMiB)
	r.Pass = ptr(*r.Ratio >= targetLargeRatio && r.rssPass())
	return ref, r
}

// lemparResult summarises the runs of a two-process scenario: medians of
// speed, time, bytes sent and CPU, the highest RSS. CPU per GB is taken on
// the bytes that travelled (for a resumed file, its second half).
func (b *bench) lemparResult(id string, runs []lemparRun, rates []float64, bytes int64) benchResult {
	var secs, sent, tx, rx, ctx, crx, gtx, grx []float64
	for _, r := range runs {
		secs = append(secs, r.secs)
		sent = append(sent, float64(r.sent))
		tx, rx = append(tx, r.rssTx), append(rx, r.rssRx)
		ctx, crx = append(ctx, r.cpuTx), append(crx, r.cpuRx)
		moved := bytes
		if r.sent > 0 {
			moved = r.sent
		}
		gtx, grx = append(gtx, perGB(r.cpuTx, moved)), append(grx, perGB(r.cpuRx, moved))
	}
	return benchResult{Scenario: id, Kind: "lempar", Label: b.label(id), Bytes: bytes, Seconds: median(secs),
		MBps: median(rates), SentBytes: ptr(int64(median(sent))), RSSSender: ptr(maxOf(tx)), RSSReceiver: ptr(maxOf(rx)),
		Samples: rates, CPUSender: ptr(median(ctx)), CPUReceiver: ptr(median(crx)),
		CPUPerGBSender: ptr(median(gtx)), CPUPerGBReceiver: ptr(median(grx))}
}

// e2eOnce is the end-to-end reference: two helper processes copy the file
// over TLS 1.3 into a file and fsync it (see helper.go). It is timed like a
// Lempar transfer: from the sender's start until both have exited.
func (b *bench) e2eOnce(ctx context.Context, src, dst string) (r lemparRun, err error) {
	ports := make(chan int, 1)
	var got int64
	rx, err := startChild(ctx, b.exe, []string{"helper", "tls-recv", dst}, func(e cliEvent) {
		switch e.Event {
		case "listening":
			ports <- e.Port
		case "done":
			got, b.suite = e.Bytes, e.Suite // read after rx.exited
		}
	})
	if err != nil {
		return r, benchErr("cli.bench.err.helper", err.Error())
	}
	port, err := waitPort(rx, ports)
	if err != nil {
		return r, benchErr("cli.bench.err.helper", err.Error())
	}
	tx, err := startChild(ctx, b.exe, []string{"helper", "tls-send", fmt.Sprintf("127.0.0.1:%d", port), src}, nil)
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
		return &benchError{Key: "cli.bench.err.verify", Args: []any{"Path", path, "Detail", err.Error()}}
	}
	return nil
}

func checkCount(dir string, want int) error {
	n, err := countFiles(dir)
	if err == nil && n != want {
		err = fmt.Errorf("%d files instead of %d", n, want)
	}
	if err != nil {
		return &benchError{Key: "cli.bench.err.verify", Args: []any{"Path", dir, "Detail", err.Error()}}
	}
	return nil
}

// label is a scenario's name as the person reads it.
func (b *bench) label(id string) string {
	return b.tr.T("cli.bench.scenario."+id, "Size", sizeIEC(b.size), "N", b.f.files,
		"FileSize", sizeIEC(b.fileSize), "ResumeSize", sizeIEC(b.resumeSize))
}
