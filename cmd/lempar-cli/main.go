// Command lempar-cli is Lempar without a window: it shows this device's
// identity, receives and sends files and lists nearby devices (the benchmark
// is cmd/lempar-bench). It is built with CGO_ENABLED=0 and never links Fyne.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/lempar/lempar/internal/i18n"
)

// globals are the flags every subcommand shares.
type globals struct {
	configDir string
	tr        *i18n.Translator
}

// memLimit is the CLI's soft heap limit (unless GOMEMLIMIT says otherwise):
// a receiver in a swarm of 30 has a link to and from every member, and
// without it the GC lets the heap reach twice what is live before it runs.
const memLimit = 40 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memLimit)
	}
	g := &globals{tr: i18n.FromEnv()}
	root := &cobra.Command{
		Use:           "lempar-cli",
		Short:         g.tr.T("cli.root.short"),
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.configDir, "config", os.Getenv("LEMPAR_CONFIG_DIR"),
		g.tr.T("cli.flag.config"))
	for _, add := range subcommands {
		root.AddCommand(add(g))
	}
	if err := root.Execute(); err != nil {
		fmt.Fprintln(safeWriter{os.Stderr}, g.tr.T("cli.error.prefix")+" "+describe(g.tr, err))
		os.Exit(exitCode(err))
	}
}

// subcommands is filled by each cmd_*.go file's init so that each command
// lives in its own file without a central list to merge.
var subcommands []func(*globals) *cobra.Command
