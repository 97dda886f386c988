package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

func init() { subcommands = append(subcommands, newSendCmd) }

type sendFlags struct {
	to     string
	pin    string
	texts  []string
	asJSON bool
	name   string
	retry  time.Duration
}

// Exit codes of send, for scripts.
const (
	exitFailed    = 1
	exitDeclined  = 2
	exitCancelled = 3
)

func newSendCmd(g *globals) *cobra.Command {
	var f sendFlags
	cmd := &cobra.Command{
		Use:   "send --to HOST:PORT|NAME|ID [--text TEXT] [PATH...]",
		Short: g.tr.T("cli.send.short"),
		Long:  g.tr.T("cli.send.long"),
		RunE: func(cmd *cobra.Command, paths []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runSend(ctx, g, f, paths)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.to, "to", "", g.tr.T("cli.send.flag.to"))
	fl.StringVar(&f.pin, "pin", "", g.tr.T("cli.send.flag.pin"))
	fl.StringArrayVar(&f.texts, "text", nil, g.tr.T("cli.send.flag.text"))
	fl.StringVar(&f.name, "name", "", g.tr.T("cli.receive.flag.name"))
	fl.BoolVar(&f.asJSON, "json", false, g.tr.T("cli.flag.json"))
	fl.DurationVar(&f.retry, "retry-for", transfer.DefaultRetryFor, g.tr.T("cli.send.flag.retry-for"))
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

func runSend(ctx context.Context, g *globals, f sendFlags, paths []string) error {
	var srcs []transfer.Source
	if len(paths) > 0 {
		s, err := transfer.CollectSources(paths)
		if err != nil {
			return err
		}
		srcs = s
	}
	for _, t := range f.texts {
		s, err := transfer.TextSource(t)
		if err != nil {
			return err
		}
		srcs = append(srcs, s)
	}
	if len(srcs) == 0 {
		return &transfer.Error{Code: errcode.EmptyOffer}
	}
	retry := f.retry
	if retry == 0 {
		retry = -1 // --retry-for 0: give up at the first drop
	}
	n, err := app.NewNode(app.Options{ConfigDir: g.configDir, Name: f.name, RetryFor: retry})
	if err != nil {
		return err
	}
	tgt, err := resolveTarget(ctx, g, n, f.to)
	if err != nil {
		return err
	}
	if f.pin != "" {
		tgt.id = f.pin
	}
	var out *jsonOut
	if f.asJSON {
		out = newJSONOut(os.Stdout)
	}
	bar := newProgressLine(os.Stderr)
	announced := false
	ev, err := n.SendTo(ctx, tgt.addr, tgt.id, tgt.name, "", srcs, func(e transfer.Event) {
		if out != nil {
			out.write(eventJSON(g.tr, e))
			return
		}
		if !announced && e.Code != "" {
			announced = true
			fmt.Fprintln(os.Stderr, g.tr.T("cli.send.waiting", "Name", e.Peer.Name, "Code", transfer.FormatCode(e.Code)))
		}
		if e.State == transfer.StateRetrying {
			bar.clear()
			fmt.Fprintln(os.Stderr, g.tr.T("cli.send.retrying", "Name", e.Peer.Name))
			return
		}
		if !e.State.Final() {
			bar.show(g.tr, e)
		}
	})
	bar.clear()
	if err == nil {
		if out == nil {
			fmt.Fprintln(os.Stderr, summary(g, ev))
		}
		return nil
	}
	if errors.Is(err, context.Canceled) {
		err = &transfer.Error{Code: errcode.Cancelled}
	}
	return &exitError{code: exitFor(transfer.ClassOf(err)), err: err}
}
