package desktop

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/lempar/lempar/share"
	"github.com/lempar/lempar/ui/backend"
)

// The backend shares by link through its device (ui/backend.Sharer).
var _ backend.Sharer = (*Backend)(nil)

// StartShare shares paths by link; errors are worded in the person's
// language.
func (b *Backend) StartShare(paths []string, onChange func()) (backend.ShareInfo, error) {
	if b.dev == nil {
		return backend.ShareInfo{}, errors.New("not started")
	}
	if _, err := b.dev.Share(paths, onChange); err != nil {
		return backend.ShareInfo{}, b.localized(err)
	}
	return b.ShareState(), nil
}

// ShareState is the running share as the window shows it.
func (b *Backend) ShareState() backend.ShareInfo {
	if b.dev == nil {
		return backend.ShareInfo{}
	}
	sh := b.dev.CurrentShare()
	if sh == nil {
		return backend.ShareInfo{}
	}
	info := backend.ShareInfo{Active: true, URLs: b.dev.ShareURLs(), Size: sh.Size()}
	seen := map[string]bool{}
	for _, f := range sh.Files() {
		info.Files++
		top := f.Name
		if i := strings.IndexByte(top, '/'); i >= 0 {
			top = top[:i]
		}
		if !seen[top] {
			seen[top] = true
			info.Names = append(info.Names, filepath.FromSlash(top))
		}
	}
	for _, r := range sh.Requests() {
		info.Requests = append(info.Requests, backend.ShareRequest{
			ID: r.ID, Agent: r.Agent, Addr: r.Addr.String(), Allowed: r.Allowed, Downloads: r.Files,
		})
	}
	return info
}

// AnswerShare allows or declines a waiting browser.
func (b *Backend) AnswerShare(id string, allow bool) error {
	sh := b.currentShare()
	if sh == nil || !sh.Answer(id, allow) {
		return errors.New(b.tr.get().T("ui.share.gone"))
	}
	return nil
}

// StopShare ends the share.
func (b *Backend) StopShare() {
	if b.dev != nil {
		b.dev.StopShare()
	}
}

func (b *Backend) currentShare() *share.Share {
	if b.dev == nil {
		return nil
	}
	return b.dev.CurrentShare()
}
