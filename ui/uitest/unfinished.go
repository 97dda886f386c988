package uitest

import (
	"errors"
	"slices"

	"github.com/lempar/lempar/ui/backend"
)

// SetUnfinished sets what Unfinished lists (the Fake is a
// backend.UnfinishedKeeper).
func (f *Fake) SetUnfinished(u backend.UnfinishedInfo) {
	f.mu.Lock()
	f.unfinished = u
	f.mu.Unlock()
}

// Unfinished implements backend.UnfinishedKeeper.
func (f *Fake) Unfinished() backend.UnfinishedInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.unfinished
	u.Files = slices.Clone(u.Files)
	return u
}

// DiscardUnfinished implements backend.UnfinishedKeeper.
func (f *Fake) DiscardUnfinished(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.unfinished.Files)
	f.unfinished.Files = slices.DeleteFunc(f.unfinished.Files, func(u backend.UnfinishedFile) bool { return u.ID == id })
	if len(f.unfinished.Files) == n {
		return errors.New("no such unfinished download")
	}
	return nil
}
