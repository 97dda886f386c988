//go:build linux

// Command lempar-bench measures Lempar's transfers on this machine against
// what the machine allows without Lempar, in the same run: loopback TCP and
// TLS, the primitives a transfer is made of (AES-GCM, BLAKE3, write +
// fsync) and a tuned bare TLS copy from file to file. The Lempar side is two
// lempar-cli processes (receive and send); the bare copy is two processes of
// this binary (its hidden helper command). `make bench` runs it inside a
// private network namespace, since every receiver announces itself on mDNS.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/lempar/lempar/internal/buildinfo"
	"github.com/lempar/lempar/internal/i18n"
)

func main() {
	tr := i18n.FromEnv()
	root := newBenchCmd(tr)
	root.AddCommand(newHelperCmd())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, tr.T("cli.error.prefix")+" "+describe(tr, err))
		os.Exit(exitCode(err))
	}
}

type benchFlags struct {
	size       string
	resumeSize string
	fileSize   string
	files      int
	runs       int
	tmp        string
	cli        string
	only       []string
	asJSON     bool
	check      bool
}

// benchScenarios are the cases --only can pick.
func benchScenarios() []string { return []string{"large", "small", "resume"} }

func newBenchCmd(tr *i18n.Translator) *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:           "lempar-bench",
		Short:         tr.T("cli.bench.short"),
		Long:          tr.T("cli.bench.long"),
		Version:       buildinfo.Version,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runBench(ctx, tr, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.size, "size", "2GiB", tr.T("cli.bench.flag.size"))
	fl.StringVar(&f.resumeSize, "resume-size", "1GiB", tr.T("cli.bench.flag.resume-size"))
	fl.IntVar(&f.files, "files", 5000, tr.T("cli.bench.flag.files"))
	fl.StringVar(&f.fileSize, "file-size", "4KiB", tr.T("cli.bench.flag.file-size"))
	fl.IntVar(&f.runs, "runs", 3, tr.T("cli.bench.flag.runs"))
	fl.StringVar(&f.tmp, "tmp", os.TempDir(), tr.T("cli.bench.flag.tmp"))
	fl.StringVar(&f.cli, "cli", "", tr.T("cli.bench.flag.cli"))
	fl.StringSliceVar(&f.only, "only", benchScenarios(), tr.T("cli.bench.flag.only"))
	fl.BoolVar(&f.asJSON, "json", false, tr.T("cli.bench.flag.json"))
	fl.BoolVar(&f.check, "check", false, tr.T("cli.bench.flag.check"))
	return cmd
}

// bench is one benchmark run: its settings, its scratch folder and the
// rows measured so far.
type bench struct {
	tr                         *i18n.Translator
	f                          benchFlags
	size, resumeSize, fileSize int64
	cli                        string // lempar-cli, run as receiver and sender
	exe                        string // this binary, run as the bare copy's two processes
	dir                        string // scratch folder, removed at the end
	log                        io.Writer
	suite                      string // the TLS cipher suite the bare copy negotiated
	results                    []benchResult
}

func runBench(ctx context.Context, tr *i18n.Translator, f benchFlags) error {
	b, err := newBench(tr, f)
	if err != nil {
		return err
	}
	defer os.RemoveAll(b.dir)
	b.say("cli.bench.start", "Dir", b.dir, "Size", sizeIEC(b.size), "Files", b.f.files,
		"FileSize", sizeIEC(b.fileSize), "ResumeSize", sizeIEC(b.resumeSize), "Runs", b.f.runs)
	steps := []struct {
		name string
		run  func(context.Context) error
	}{{"", b.ceilings}, {"", b.primitives}, {"large", b.large}, {"small", b.small}, {"resume", b.resume}}
	for _, s := range steps {
		if s.name != "" && !slices.Contains(b.f.only, s.name) {
			continue
		}
		if err := s.run(ctx); err != nil {
			if ctx.Err() != nil {
				return &benchError{Key: "err.cancelled"}
			}
			return err
		}
	}
	if b.f.asJSON {
		err = b.writeJSON(os.Stdout)
	} else {
		err = b.writeTable(os.Stdout)
	}
	if err != nil {
		return err
	}
	if n := b.missed(); n > 0 && b.f.check {
		return &exitError{code: 1, err: &benchError{Key: "cli.bench.err.missed", Args: []any{"N", n}}}
	}
	return nil
}

func newBench(tr *i18n.Translator, f benchFlags) (*bench, error) {
	b := &bench{tr: tr, f: f, log: os.Stderr}
	var err error
	if b.size, err = parseSize(f.size); err != nil {
		return nil, err
	}
	if b.resumeSize, err = parseSize(f.resumeSize); err != nil {
		return nil, err
	}
	if b.fileSize, err = parseSize(f.fileSize); err != nil {
		return nil, err
	}
	if f.runs < 1 || f.files < 1 {
		return nil, &benchError{Key: "cli.bench.err.count"}
	}
	for _, s := range f.only {
		if !slices.Contains(benchScenarios(), s) {
			return nil, &benchError{Key: "cli.bench.err.only", Args: []any{"Name", s, "List", strings.Join(benchScenarios(), ", ")}}
		}
	}
	if slices.Contains(f.only, "small") {
		if _, err := exec.LookPath("tar"); err != nil {
			return nil, &benchError{Key: "cli.bench.err.tar"}
		}
	}
	if b.exe, err = os.Executable(); err != nil {
		return nil, err
	}
	if b.cli, err = findCLI(f.cli, b.exe); err != nil {
		return nil, err
	}
	if err := b.checkSpace(); err != nil {
		return nil, err
	}
	if b.dir, err = os.MkdirTemp(f.tmp, "lempar-bench-"); err != nil {
		return nil, &benchError{Key: "cli.bench.err.tmp", Args: []any{"Dir", f.tmp}, Err: err}
	}
	return b, nil
}

// checkSpace refuses to start when the scratch folder cannot hold the
// largest step: each step removes its files before the next one starts.
func (b *bench) checkSpace() error {
	need := b.size // disk ceiling
	if slices.Contains(b.f.only, "large") {
		need = max(need, 2*b.size) // source + received copy
	}
	if slices.Contains(b.f.only, "resume") {
		need = max(need, 2*b.resumeSize)
	}
	if slices.Contains(b.f.only, "small") {
		perFile := (b.fileSize + 4095) / 4096 * 4096
		need = max(need, 2*int64(b.f.files)*(perFile+4096))
	}
	need += 256 << 20 // configs, folders and some slack for the file system
	free, err := freeBytes(b.f.tmp)
	if err != nil {
		return &benchError{Key: "cli.bench.err.tmp", Args: []any{"Dir", b.f.tmp}, Err: err}
	}
	if free < need {
		return &benchError{Key: "cli.bench.err.space",
			Args: []any{"Dir", b.f.tmp, "Need", sizeIEC(need), "Free", sizeIEC(free)}}
	}
	return nil
}

// findCLI is the lempar-cli binary to measure: --cli, else the one next to
// this binary (where `make bench` builds both), else the one on PATH.
func findCLI(flag, self string) (string, error) {
	try := []string{flag}
	if flag == "" {
		try = []string{filepath.Join(filepath.Dir(self), "lempar-cli"), "lempar-cli"}
	}
	for _, p := range try {
		if found, err := exec.LookPath(p); err == nil {
			return filepath.Abs(found)
		}
	}
	return "", &benchError{Key: "cli.bench.err.cli", Args: []any{"Path", try[0]}}
}

func (b *bench) path(elem ...string) string {
	return filepath.Join(append([]string{b.dir}, elem...)...)
}

// say prints a progress line on stderr; stdout carries only the report.
func (b *bench) say(key string, args ...any) {
	fmt.Fprintln(b.log, b.tr.T(key, args...))
}

// sayRun reports one measurement as it is taken.
func (b *bench) sayRun(run int, label, result string) {
	b.say("cli.bench.progress", "Run", run, "Runs", b.f.runs, "Scenario", label, "Result", result)
}

// lemparFirst alternates the order of Lempar and its reference between
// runs, so a disk that slows down or speeds up over time favours neither.
func lemparFirst(run int) bool { return run%2 == 1 }

func (b *bench) add(r benchResult) {
	r.Runs = b.f.runs
	b.results = append(b.results, r)
}
