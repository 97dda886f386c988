package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

func init() { subcommands = append(subcommands, newSendCmd) }

type sendFlags struct {
	to     []string
	pin    string
	lsPIN  string
	texts  []string
	asJSON bool
	name   string
	retry  time.Duration
	// noSwarm: one direct transfer per target, the naive baseline
	noSwarm bool
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
	fl.StringArrayVar(&f.to, "to", nil, g.tr.T("cli.send.flag.to"))
	fl.StringVar(&f.pin, "pin", "", g.tr.T("cli.send.flag.pin"))
	fl.StringVar(&f.lsPIN, "localsend-pin", "", g.tr.T("cli.send.flag.localsend-pin"))
	fl.StringArrayVar(&f.texts, "text", nil, g.tr.T("cli.send.flag.text"))
	fl.StringVar(&f.name, "name", "", g.tr.T("cli.receive.flag.name"))
	fl.BoolVar(&f.asJSON, "json", false, g.tr.T("cli.flag.json"))
	fl.DurationVar(&f.retry, "retry-for", transfer.DefaultRetryFor, g.tr.T("cli.send.flag.retry-for"))
	fl.BoolVar(&f.noSwarm, "no-swarm", false, g.tr.T("cli.send.flag.no-swarm"))
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
	if f.pin != "" && len(f.to) > 1 {
		return &transfer.Error{Code: errcode.Ambiguous, Key: "cli.err.pin-one-target"}
	}
	o := lookOnly(g, f.name)
	o.RetryFor = retry
	dev, err := startDevice(ctx, o, false)
	if err != nil {
		return err
	}
	defer func() { _ = dev.stop() }()
	var targets []app.Target
	var names []string // the --to each target came from
	index := map[app.Target]int{}
	for _, to := range f.to {
		t, err := resolveTarget(ctx, dev.Device, to)
		if err != nil {
			return err
		}
		if f.pin != "" {
			t.ID = f.pin
		}
		if _, dup := index[t]; dup {
			continue // the same device twice gets the files once
		}
		index[t] = len(targets)
		targets = append(targets, t)
		names = append(names, to)
	}
	var out *jsonOut
	if f.asJSON {
		out = newJSONOut(os.Stdout)
	}
	lines := len(targets)
	if lines > 1 {
		lines++ // the total, under the devices
	}
	b := newBoard(newProgressLine(os.Stderr), lines)
	var mu sync.Mutex
	announced := map[int]bool{}
	latest := map[int]transfer.Event{}
	res := dev.Send(ctx, targets, srcs, app.SendOptions{
		NoSwarm: f.noSwarm,
		PIN: func(_ context.Context, t app.Target, _ string, wrong bool) (string, bool) {
			// The PIN from the command line, once: there is nobody to ask
			// for another, so a refused one fails as "wrong PIN".
			if wrong {
				return "", true
			}
			return f.lsPIN, true
		},
		OnEvent: func(t app.Target, e transfer.Event) {
			i := index[t]
			if out != nil {
				m := eventJSON(g.tr, e)
				m["target"] = names[i]
				out.write(m)
				return
			}
			mu.Lock()
			first := !announced[i] && e.Code != ""
			if first {
				announced[i] = true
			}
			mu.Unlock()
			switch {
			case first:
				b.say(g.tr.T("cli.send.waiting", "Name", e.Peer.Name, "Code", transfer.FormatCode(e.Code)))
			case e.State == transfer.StateRetrying:
				b.say(g.tr.T("cli.send.retrying", "Name", e.Peer.Name))
			case e.State.Final():
				b.say(summary(g, e))
			case e.State != transfer.StateWaiting:
				b.set(i, e.Peer.Name+": "+progressText(g.tr, e))
				if len(targets) > 1 {
					mu.Lock()
					latest[i] = e
					total := totalText(g.tr, latest)
					mu.Unlock()
					b.set(len(targets), total)
				}
			}
		},
	})
	return sendOutcome(res)
}

// sendOutcome is the command's result: nil when every device got
// everything, else the first failure, with the exit status of its class
// (or 1 when the devices failed in different ways).
func sendOutcome(res []app.SendResult) error {
	var first error
	code := 0
	for _, r := range res {
		err := r.Err
		if err == nil {
			continue
		}
		if errors.Is(err, context.Canceled) {
			err = &transfer.Error{Code: errcode.Cancelled}
		}
		c := exitFor(transfer.ClassOf(err))
		if first == nil {
			first, code = err, c
		} else if c != code {
			code = exitFailed
		}
	}
	if first == nil {
		return nil
	}
	return &exitError{code: code, err: first}
}
