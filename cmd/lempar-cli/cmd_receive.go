package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/transfer"
)

func init() { subcommands = append(subcommands, newReceiveCmd) }

type receiveFlags struct {
	dir          string
	port         int
	name         string
	listen       string
	yes          bool
	acceptFrom   []string
	asJSON       bool
	hidden       bool
	mdnsLoopback bool
	noLocalSend  bool
	lsHTTP       bool
	lsPIN        string
}

func newReceiveCmd(g *globals) *cobra.Command {
	var f receiveFlags
	cmd := &cobra.Command{
		Use:   "receive",
		Short: g.tr.T("cli.receive.short"),
		Long:  g.tr.T("cli.receive.long"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if cmd.Flags().Changed("port") && f.port == 0 {
				f.port = -1 // --port 0: any free port (tests, several receivers on one machine)
			}
			return runReceive(ctx, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", "", g.tr.T("cli.receive.flag.dir"))
	fl.IntVar(&f.port, "port", 0, g.tr.T("cli.receive.flag.port"))
	fl.StringVar(&f.name, "name", "", g.tr.T("cli.receive.flag.name"))
	fl.StringVar(&f.listen, "listen", "", g.tr.T("cli.receive.flag.listen"))
	fl.BoolVarP(&f.yes, "yes", "y", false, g.tr.T("cli.receive.flag.yes"))
	fl.StringArrayVar(&f.acceptFrom, "accept-from", nil, g.tr.T("cli.receive.flag.accept-from"))
	fl.BoolVar(&f.asJSON, "json", false, g.tr.T("cli.flag.json"))
	fl.BoolVar(&f.hidden, "hidden", false, g.tr.T("cli.receive.flag.hidden"))
	fl.BoolVar(&f.mdnsLoopback, "mdns-loopback", false, g.tr.T("cli.receive.flag.mdns-loopback"))
	fl.BoolVar(&f.noLocalSend, "no-localsend", false, g.tr.T("cli.receive.flag.no-localsend"))
	fl.BoolVar(&f.lsHTTP, "localsend-http", false, g.tr.T("cli.receive.flag.localsend-http"))
	fl.StringVar(&f.lsPIN, "localsend-pin", "", g.tr.T("cli.receive.flag.localsend-pin"))
	return cmd
}

func runReceive(ctx context.Context, g *globals, f receiveFlags) error {
	if err := checkIDPrefixes("--accept-from", f.acceptFrom); err != nil {
		return err
	}
	if !app.ValidPIN(f.lsPIN) {
		// The same rule as the window's PIN field: senders must be able to type it.
		return errors.New(g.tr.T("cli.receive.err.pin", "Max", app.MaxPINRunes))
	}
	var out *jsonOut
	if f.asJSON {
		out = newJSONOut(os.Stdout)
	}
	bar := newProgressLine(os.Stderr)
	// The prompter prints names, file names and texts from the offer.
	prompt := newPrompter(g.tr, os.Stdin, safeWriter{os.Stderr})
	stderr, stdout := safeWriter{os.Stderr}, safeWriter{os.Stdout}
	dir := f.dir
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		dir = abs
	}
	var dropped droppedSeen
	opts := app.Options{
		ConfigDir: g.configDir, Name: f.name, Dir: dir, Port: f.port, Listen: f.listen,
		AcceptAll: f.yes, AcceptFrom: f.acceptFrom, Acceptor: prompt,
		OnEvent: func(e transfer.Event) {
			if out != nil {
				out.write(eventJSON(g.tr, e))
				return
			}
			for _, id := range dropped.news(e) {
				bar.clear()
				fmt.Fprintln(stderr, g.tr.T("cli.receive.swarm-dropped", "ID", transfer.ShortID(id)))
			}
			if e.State == transfer.StateRetrying {
				bar.clear()
				fmt.Fprintln(stderr, g.tr.T("cli.receive.retrying", "Name", termSafe(e.Peer.Name)))
				return
			}
			if !e.State.Final() {
				bar.show(g.tr, e)
				return
			}
			bar.clear()
			fmt.Fprintln(stderr, summary(g, e))
			for _, t := range e.Texts {
				if e.State == transfer.StateDone {
					fmt.Fprintln(stdout, t)
				}
			}
		},
		OnRefused: func(p transfer.PeerInfo, err error) {
			if out != nil {
				out.write(map[string]any{"event": "refused", "peer_addr": p.Addr, "peer_id": p.ID, "error": describe(g.tr, err), "error_code": transfer.CodeOf(err).String()})
				return
			}
			fmt.Fprintln(stderr, g.tr.T("cli.receive.refused", "Addr", p.Addr, "Reason", describe(g.tr, err)))
		},
	}
	if out != nil {
		prompt.quiet = true
	}
	pin := f.lsPIN
	dev, err := startDevice(ctx, app.DeviceOptions{
		Options:     opts,
		Hidden:      f.hidden,
		NoLocalSend: f.noLocalSend,
		LocalSend: app.LocalSendOptions{
			AllowHTTP: f.lsHTTP,
			PIN:       func() string { return pin },
			OnStarted: func(svc *localsend.Service) {
				if out != nil {
					out.write(map[string]any{"event": "localsend", "port": svc.Port()})
					return
				}
				fmt.Fprintln(os.Stderr, g.tr.T("cli.receive.localsend", "Port", svc.Port()))
			},
		},
	}, f.mdnsLoopback)
	if err != nil {
		return err
	}
	prompt.clash = func(name, id string) bool {
		_, known := dev.Trust.Get(id)
		return !known && dev.Trust.NameClash(name, id)
	}
	s := dev.Settings()
	if out != nil {
		out.write(map[string]any{"event": "listening", "port": dev.Port(), "id": dev.Identity.ID, "name": s.DeviceName, "dir": s.DownloadDir})
	} else {
		fmt.Fprintln(os.Stderr, g.tr.T("cli.receive.listening", "Name", s.DeviceName, "ID", transfer.Fingerprint(dev.Identity.ID), "Port", dev.Port(), "Dir", s.DownloadDir))
	}
	// Runs until Ctrl+C or SIGTERM, or until a part fails: a receiver
	// nobody can find, or an announcement of a port nobody answers, would
	// only mislead. A clean stop says goodbye on mDNS and tells peers in
	// the middle of a transfer that it was cancelled.
	return dev.wait(ctx)
}

func summary(g *globals, e transfer.Event) string {
	if s := skippedSummary(g, e); s != "" {
		return s
	}
	who := termSafe(e.Peer.Name)
	switch e.State {
	case transfer.StateDone:
		if e.Direction == transfer.Incoming {
			if e.Files == 0 {
				return g.tr.T("cli.done.in.text", "Name", who)
			}
			return g.tr.T("cli.done.in", "N", e.Files, "Name", who, "Size", g.tr.Size(e.Total), "Dir", e.Dir)
		}
		return g.tr.T("cli.done.out", "N", e.Files, "Name", who, "Size", g.tr.Size(e.Total))
	default:
		return describe(g.tr, e.Err)
	}
}
