package desktop

import (
	"errors"
	"time"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/ui"
)

// Unfinished implements ui.UnfinishedKeeper: the kept partial files, after
// removing those older than app.PartialMaxAge (remembered, to be told).
func (b *Backend) Unfinished() ui.UnfinishedInfo {
	b.cleanPartials()
	info := ui.UnfinishedInfo{MaxAge: app.PartialMaxAge}
	for _, u := range b.dev.Partials() {
		info.Files = append(info.Files, unfinishedFile(u))
	}
	b.mu.Lock()
	info.Expired = append(info.Expired, b.expired...)
	b.mu.Unlock()
	return info
}

// DiscardUnfinished implements ui.UnfinishedKeeper.
func (b *Backend) DiscardUnfinished(id string) error {
	for _, u := range b.dev.Partials() {
		if u.Path() == id {
			if err := b.dev.DiscardPartial(u.Partial); err != nil {
				return b.localized(err)
			}
			return nil
		}
	}
	return errors.New(b.tr.T("ui.unfinished.gone"))
}

// cleanPartials removes unfinished downloads past their age and keeps what
// went for the window to tell.
func (b *Backend) cleanPartials() {
	removed, _ := b.dev.CleanPartials(time.Now())
	if len(removed) == 0 {
		return
	}
	b.mu.Lock()
	for _, u := range removed {
		b.expired = append(b.expired, unfinishedFile(u))
	}
	b.mu.Unlock()
}

func unfinishedFile(u app.Unfinished) ui.UnfinishedFile {
	return ui.UnfinishedFile{ID: u.Path(), Name: u.Name, PeerName: u.PeerName, Held: u.Size, Total: u.Total, Modified: u.Modified}
}
