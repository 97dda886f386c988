// Command lempar is the desktop app: it opens the device (identity,
// receiver, discovery, LocalSend), runs it, and hands it to the window.
// Quitting stops the device cleanly before the process exits.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/desktop"
	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/transfer"
	"github.com/lempar/lempar/ui"
)

// stopLimit bounds how long quitting waits for peers to hear goodbye.
const stopLimit = 3 * time.Second

func main() {
	tr := i18n.FromEnv()
	f := desktop.ParseFlags(tr, os.Args[1:], os.Stdout)
	if f.Exit {
		os.Exit(f.Code)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, dev, err := desktop.Open(ctx, f.ConfigDir)
	if transfer.IsCode(err, errcode.AlreadyRunning) {
		if dir, derr := app.ConfigDir(f.ConfigDir); derr == nil && app.KnockInstance(dir) == nil {
			fmt.Fprintln(os.Stderr, tr.T("app.already-running.shown"))
			os.Exit(0)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, tr.T("cli.error.prefix"), desktop.Describe(tr, err))
		os.Exit(1)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- dev.Serve(sctx) }()

	a := fyneapp.NewWithID("io.lempar.app")
	g := ui.New(a, b)
	go func() {
		for {
			select {
			case <-dev.Instance().Knocked():
				g.BringForward()
			case <-ctx.Done():
				// SIGTERM or Ctrl+C: the device stops while the window
				// closes, not after it.
				trace("signal")
				cancel()
				fyne.Do(a.Quit)
				return
			}
		}
	}()
	if !f.Background || !g.HasTray() {
		g.Window().Show()
	}
	a.Run()
	trace("window closed")
	g.Close()
	cancel()
	select {
	case err := <-served:
		trace("device stopped")
		if err != nil {
			fmt.Fprintln(os.Stderr, tr.T("cli.error.prefix"), desktop.Describe(tr, err))
		}
	case <-time.After(stopLimit):
		log.Printf("lempar: quitting before every peer was told (%v)", stopLimit)
	}
}

// trace times the steps of quitting when LEMPAR_TRACE_QUIT is set (tests
// that hold quitting to 3 s print it when it is late).
func trace(step string) {
	if os.Getenv("LEMPAR_TRACE_QUIT") != "" {
		log.Printf("quit: %s at %s", step, time.Now().Format("15:04:05.000"))
	}
}
