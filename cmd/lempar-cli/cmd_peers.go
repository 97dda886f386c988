package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/discovery"
)

func init() { subcommands = append(subcommands, newPeersCmd) }

type peersFlags struct {
	watch        bool
	asJSON       bool
	timeout      time.Duration
	mdnsLoopback bool
	add          []string
}

func newPeersCmd(g *globals) *cobra.Command {
	var f peersFlags
	cmd := &cobra.Command{
		Use:   "peers [--watch] [--json] [--timeout D] [--add HOST[:PORT]]...",
		Short: g.tr.T("cli.peers.short"),
		Long:  g.tr.T("cli.peers.long"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if f.watch && !cmd.Flags().Changed("timeout") {
				f.timeout = 0 // watch until interrupted
			}
			return runPeers(ctx, g, f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.watch, "watch", "w", false, g.tr.T("cli.peers.flag.watch"))
	fl.BoolVar(&f.asJSON, "json", false, g.tr.T("cli.flag.json"))
	fl.DurationVar(&f.timeout, "timeout", 2*time.Second, g.tr.T("cli.peers.flag.timeout"))
	fl.BoolVar(&f.mdnsLoopback, "mdns-loopback", false, g.tr.T("cli.peers.flag.mdns-loopback"))
	fl.StringArrayVar(&f.add, "add", nil, g.tr.T("cli.peers.flag.add"))
	return cmd
}

func runPeers(ctx context.Context, g *globals, f peersFlags) error {
	dev, err := startDevice(context.WithoutCancel(ctx), lookOnly(g, ""), f.mdnsLoopback)
	if err != nil {
		return err
	}
	defer func() { _ = dev.stop() }()
	n, d := dev.Node, dev.Discovery()
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	// Devices added by address are identified first, so a network that
	// blocks multicast still gets a useful list; the added device is kept
	// in the trust store and found at that address next time.
	for _, a := range f.add {
		if _, err := n.AddByAddress(ctx, a); err != nil {
			return err
		}
	}
	if !f.watch {
		<-ctx.Done()
		return printPeers(g, n, d.Peers(), f)
	}
	events, stop := d.Subscribe()
	defer stop()
	out := newJSONOut(os.Stdout)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if f.asJSON {
				m := peerJSON(n, ev.Peer)
				m["event"] = ev.Kind.String()
				m["at"] = time.Now().UTC().Format(time.RFC3339Nano)
				out.write(m)
				continue
			}
			mark := map[discovery.EventKind]string{discovery.PeerSeen: "+", discovery.PeerUpdated: "~", discovery.PeerLost: "-"}[ev.Kind]
			p := ev.Peer
			fmt.Printf("%s %s  %s  %s  %s  %s  %s\n", mark, termSafe(p.Name), p.ShortID(), addrText(p), termSafe(p.OS), protocolOf(p), statusText(g, n, p))
		case <-ctx.Done():
			return nil
		}
	}
}

func printPeers(g *globals, n *app.Node, peers []discovery.Peer, f peersFlags) error {
	if f.asJSON {
		list := make([]map[string]any, 0, len(peers))
		for _, p := range peers {
			list = append(list, peerJSON(n, p))
		}
		newJSONOut(os.Stdout).write(map[string]any{"peers": list})
		return nil
	}
	if len(peers) == 0 {
		fmt.Fprintln(safeWriter{os.Stderr}, g.tr.T("cli.peers.none", "Timeout", f.timeout.String()))
		return nil
	}
	tw := tabwriter.NewWriter(safeWriter{os.Stdout}, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{
		g.tr.T("cli.peers.col.name"), g.tr.T("cli.peers.col.id"), g.tr.T("cli.peers.col.address"),
		g.tr.T("cli.peers.col.os"), g.tr.T("cli.peers.col.protocol"), g.tr.T("cli.peers.col.status"),
	}, "\t"))
	for _, p := range peers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", termSafe(p.Name), p.ShortID(), addrText(p), termSafe(p.OS), protocolOf(p), statusText(g, n, p))
	}
	return tw.Flush()
}

func addrText(p discovery.Peer) string {
	if !p.Addr().IsValid() {
		return "-"
	}
	return p.Addr().String()
}

// statusText says whether we have exchanged files with p before, and flags
// a device whose engine did not answer.
func statusText(g *globals, n *app.Node, p discovery.Peer) string {
	s := g.tr.T("cli.peers.new")
	if isKnown(n, p.ID) {
		s = g.tr.T("cli.peers.known")
	}
	if !p.Reachable {
		s += ", " + g.tr.T("cli.peers.unreachable")
	}
	return s
}

func isKnown(n *app.Node, id string) bool {
	if n.Trust == nil {
		return false
	}
	_, ok := n.Trust.Get(id)
	return ok
}

func peerJSON(n *app.Node, p discovery.Peer) map[string]any {
	addrs := make([]string, 0, len(p.Addrs))
	for _, a := range p.Addrs {
		addrs = append(addrs, a.String())
	}
	return map[string]any{
		"id": p.ID, "short_id": p.ShortID(), "name": p.Name, "os": p.OS, "proto": p.Proto,
		"addr": addrText(p), "addrs": addrs, "source": p.Source.String(),
		"reachable": p.Reachable, "known": isKnown(n, p.ID), "protocol": protocolOf(p),
	}
}

// protocolOf says how we talk to p: Lempar's own protocol or LocalSend's.
func protocolOf(p discovery.Peer) string {
	if p.Source == discovery.SourceLocalSend {
		return "LocalSend"
	}
	return "Lempar"
}
