package desktop

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/lempar/lempar/internal/buildinfo"
	"github.com/lempar/lempar/internal/i18n"
)

// Flags are the desktop app's command line: the same --config as the CLI,
// and --help and --version, which print and exit without starting
// anything.
type Flags struct {
	ConfigDir string
	// Background starts in the tray without opening the window, as the
	// login entry does; where there is no tray the window opens anyway,
	// or nothing could ever show it.
	Background bool
	Exit       bool // printed help or version: exit with Code
	Code       int
}

// ParseFlags reads args (without the program name); output goes to out.
func ParseFlags(tr *i18n.Translator, args []string, out io.Writer) Flags {
	var f Flags
	fs := flag.NewFlagSet("lempar", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&f.ConfigDir, "config", os.Getenv("LEMPAR_CONFIG_DIR"), tr.T("cli.flag.config"))
	version := fs.Bool("version", false, tr.T("app.flag.version"))
	fs.BoolVar(&f.Background, "background", false, tr.T("app.flag.background"))
	fs.Usage = func() {
		fmt.Fprintln(out, tr.T("app.usage"))
		fs.PrintDefaults()
	}
	switch err := fs.Parse(args); {
	case err == flag.ErrHelp:
		return Flags{Exit: true}
	case err != nil:
		return Flags{Exit: true, Code: 2}
	case *version:
		fmt.Fprintln(out, "lempar", buildinfo.Version)
		return Flags{Exit: true}
	case fs.NArg() > 0:
		fmt.Fprintln(out, tr.T("app.usage"))
		return Flags{Exit: true, Code: 2}
	}
	return f
}
