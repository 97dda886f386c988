package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/transfer"
	"golang.org/x/term"
)

// jsonOut writes one JSON object per line for scripts; safe for concurrent
// sessions.
type jsonOut struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newJSONOut(w io.Writer) *jsonOut { return &jsonOut{enc: json.NewEncoder(w)} }

func (j *jsonOut) write(v map[string]any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.enc.Encode(v)
}

// eventJSON is the --json shape of a transfer event.
func eventJSON(tr *i18n.Translator, e transfer.Event) map[string]any {
	m := map[string]any{
		"event": "transfer", "session": e.Session, "direction": e.Direction, "state": e.State,
		"peer_id": e.Peer.ID, "peer_name": e.Peer.Name, "peer_addr": e.Peer.Addr, "code": e.Code,
		"files": e.Files, "files_done": e.FilesDone, "total": e.Total, "done": e.Done, "sent": e.Sent,
		"rate": int64(e.Rate), "eta_s": e.ETA.Seconds(), "current": e.Current,
		"skipped": e.Skipped, // files and texts the receiver's person unticked
	}
	if e.Skipped > 0 {
		m["skipped_items"] = e.SkippedItems
	}
	if e.Direction == transfer.Incoming {
		m["dir"], m["saved"], m["texts"] = e.Dir, e.Saved, e.Texts
	}
	if s := e.Swarm; s != nil { // see transfer/swarm_doc.go
		m["swarm"], m["swarm_members"] = true, s.Members
		if e.Direction == transfer.Incoming {
			m["from_peers"], m["from_sender"], m["to_peers"] = s.FromPeers, e.Sent-s.FromPeers, s.ToPeers
			m["swarm_dropped"] = s.Dropped
		}
	}
	if e.Err != nil {
		m["error"] = describe(tr, e.Err)
		m["error_code"] = transfer.CodeOf(e.Err).String()
		if d := errorDetail(e.Err); d != "" {
			m["error_detail"] = d // the raw cause "error" puts in plain words
		}
		if e.State.Final() && transfer.ClassOf(e.Err) == errcode.ClassExpired {
			// The engine counts an unanswered offer among the refusals;
			// scripts are told it expired.
			m["state"] = "expired"
		}
	}
	return m
}

// progressLine draws a one-line progress bar on a terminal.
type progressLine struct {
	w     io.Writer
	tty   bool
	mu    sync.Mutex
	width int
}

func newProgressLine(f *os.File) *progressLine {
	p := &progressLine{w: f, tty: term.IsTerminal(int(f.Fd())), width: 80}
	if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 40 {
		p.width = w
	}
	return p
}

func (p *progressLine) show(tr *i18n.Translator, e transfer.Event) {
	if !p.tty || e.State == transfer.StateWaiting {
		return // the "waiting for … to accept" line says it all
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\x1b[K%s", truncate(termSafe(progressText(tr, e)), p.width-1))
}

// progressText is one transfer's progress on one line.
func progressText(tr *i18n.Translator, e transfer.Event) string {
	arrow := "↑"
	if e.Direction == transfer.Incoming {
		arrow = "↓"
	}
	pct := 100.0
	if e.Total > 0 {
		pct = float64(e.Done) * 100 / float64(e.Total)
	}
	const barW = 24
	fill := int(pct / 100 * barW)
	bar := strings.Repeat("█", fill) + strings.Repeat("░", barW-fill)
	name := e.Current
	if e.Files > 1 {
		name = tr.T("cli.progress.files", "Done", e.FilesDone, "N", e.Files)
	}
	if e.Skipped > 0 {
		name = tr.T("cli.progress.skipped", "Done", e.FilesDone, "N", e.Files, "Skipped", e.Skipped)
	}
	eta := "-:--" // until the rate is known
	if e.ETA > 0 {
		eta = i18n.FormatClock(e.ETA)
	}
	if e.State == transfer.StateVerifying {
		return fmt.Sprintf("%s %s %s", arrow, truncate(name, 28), tr.T("cli.progress.verifying"))
	}
	line := fmt.Sprintf("%s %s %s %3.0f%%  %s/s  %s", arrow, truncate(name, 28), bar, pct,
		tr.Size(int64(e.Rate)), eta)
	if s := e.Swarm; s != nil && e.Direction == transfer.Incoming && s.FromPeers > 0 {
		// A swarm: say how much the other receivers passed on.
		line += "  " + tr.T("cli.progress.from-peers", "Size", tr.Size(s.FromPeers))
	}
	return line
}

// totalText is a send's line for all its devices together: how far they
// are, and what left this device (a swarm sends about one copy).
func totalText(tr *i18n.Translator, evs map[int]transfer.Event) string {
	var done, total, sent int64
	for _, e := range evs {
		done, total, sent = done+e.Done, total+e.Total, sent+e.Sent
	}
	pct := 100.0
	if total > 0 {
		pct = float64(done) * 100 / float64(total)
	}
	return tr.T("cli.send.total", "N", len(evs), "Pct", fmt.Sprintf("%.0f", pct), "Sent", tr.Size(sent))
}

// clear ends the progress line so the next message starts on a fresh line.
func (p *progressLine) clear() {
	if p.tty {
		p.mu.Lock()
		fmt.Fprint(p.w, "\r\x1b[K")
		p.mu.Unlock()
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n < 2 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "…"
}

// droppedSeen remembers, per session, the swarm members already reported
// as dropped (Event.Swarm.Dropped only grows), so each is said once.
type droppedSeen struct {
	mu   sync.Mutex
	seen map[string]int
}

// news returns the members dropped since the session's last event.
func (d *droppedSeen) news(e transfer.Event) []string {
	if e.Swarm == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[string]int{}
	}
	n := d.seen[e.Session]
	if e.State.Final() {
		delete(d.seen, e.Session) // a long-running receive forgets ended sessions
	}
	if len(e.Swarm.Dropped) <= n {
		return nil
	}
	if !e.State.Final() {
		d.seen[e.Session] = len(e.Swarm.Dropped)
	}
	return e.Swarm.Dropped[n:]
}
