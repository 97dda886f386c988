package app

import (
	"path/filepath"
	"slices"
	"time"

	"github.com/lempar/lempar/savedir"
)

// PartialMaxAge is how long an unfinished download is kept for resuming;
// CleanPartials removes older ones.
const PartialMaxAge = 7 * 24 * time.Hour

// Unfinished is a partial file an unfinished receive left, with what the
// history knows of it.
type Unfinished struct {
	savedir.Partial
	PeerName string // who was sending it; "" when the history doesn't say
	Total    int64  // the size it will have; 0 when unknown
}

// partialFolders are the download folders that may hold partial files: the
// current one and those unfinished receives used.
func (n *Node) partialFolders() []string {
	dirs := []string{n.Settings().DownloadDir}
	if n.History != nil {
		for _, h := range n.History.List() {
			if len(h.Partials) > 0 && h.Dir != "" && !slices.Contains(dirs, h.Dir) {
				dirs = append(dirs, h.Dir)
			}
		}
	}
	return dirs
}

// Partials lists the unfinished downloads that may be resumed, newest
// first, leaving out those a receive in progress is writing.
func (n *Node) Partials() []Unfinished {
	type owner struct {
		peer  string
		total int64
	}
	owners := map[string]owner{} // by folder and file name
	live := map[string]bool{}    // file names of receives in flight
	if n.History != nil {
		for _, h := range n.History.List() {
			for f, size := range h.Partials {
				k := filepath.Join(h.Dir, f)
				if _, seen := owners[k]; !seen { // the newest entry says
					owners[k] = owner{h.PeerName, size}
				}
			}
		}
		n.History.mu.Lock()
		for _, note := range n.History.notes {
			for f := range note.partials {
				live[f] = true
			}
		}
		n.History.mu.Unlock()
	}
	var out []Unfinished
	for _, dir := range n.partialFolders() {
		parts, _ := savedir.ListPartials(dir)
		for _, p := range parts {
			if live[p.File] {
				continue
			}
			o := owners[filepath.Join(dir, p.File)]
			out = append(out, Unfinished{Partial: p, PeerName: o.peer, Total: o.total})
		}
	}
	slices.SortFunc(out, func(a, b Unfinished) int { return b.Modified.Compare(a.Modified) })
	return out
}

// DiscardPartial removes an unfinished download listed by Partials.
func (n *Node) DiscardPartial(p savedir.Partial) error {
	for _, u := range n.Partials() {
		if u.Dir == p.Dir && u.File == p.File {
			return savedir.RemovePartial(p.Dir, p.File)
		}
	}
	return nil // gone already
}

// CleanPartials removes unfinished downloads not written to for
// PartialMaxAge and returns them, so the person can be told; and journals
// of placed files older than savedir.JournalMaxAge.
func (n *Node) CleanPartials(now time.Time) ([]Unfinished, error) {
	var removed []Unfinished
	var firstErr error
	for _, dir := range n.partialFolders() {
		savedir.CleanJournals(dir, now.Add(-savedir.JournalMaxAge))
	}
	for _, u := range n.Partials() {
		if !u.Modified.Before(now.Add(-PartialMaxAge)) {
			continue
		}
		if err := savedir.RemovePartial(u.Dir, u.File); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		removed = append(removed, u)
	}
	return removed, firstErr
}
