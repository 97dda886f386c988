// Command lempar is the desktop app: it builds the node (identity, receiver,
// discovery) and hands it to the window. Everything else lives in packages.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/lempar/lempar/desktop"
	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/ui"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := desktop.Start(ctx, os.Getenv("LEMPAR_CONFIG_DIR"))
	if err != nil {
		fmt.Fprintln(os.Stderr, i18n.FromEnv().T("cli.error.prefix"), desktop.Describe(i18n.FromEnv(), err))
		os.Exit(1)
	}
	a := fyneapp.NewWithID("io.lempar.app")
	go func() { <-ctx.Done(); fyne.Do(a.Quit) }()
	ui.Run(a, b)
}
