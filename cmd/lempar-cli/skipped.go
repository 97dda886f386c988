package main

import (
	"strings"

	"github.com/lempar/lempar/transfer"
)

// skippedSummary is the final line of a transfer whose receiver's person
// unticked some items (partial accept): how many of the offered files
// moved, and which were skipped by whom. "" when nothing was skipped.
func skippedSummary(g *globals, e transfer.Event) string {
	if e.State != transfer.StateDone || e.Skipped == 0 {
		return ""
	}
	who := termSafe(e.Peer.Name)
	names := termSafe(strings.Join(e.SkippedItems, ", "))
	if e.Direction == transfer.Incoming {
		return g.tr.T("cli.done.in.skipped", "N", e.Files, "Of", e.Files+e.Skipped, "Skipped", e.Skipped,
			"Name", who, "Size", g.tr.Size(e.Total), "Dir", e.Dir)
	}
	return g.tr.T("cli.done.out.skipped", "N", e.Files, "Of", e.Files+e.Skipped, "Skipped", e.Skipped,
		"Name", who, "Size", g.tr.Size(e.Total), "Items", names)
}
