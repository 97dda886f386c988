package desktop

import (
	"errors"
	"time"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/transfer"
	"github.com/lempar/lempar/ui"
)

func uiVisibility(v string) ui.Visibility {
	switch v {
	case app.VisibilityHidden:
		return ui.Hidden
	case app.VisibilityVisible10Min:
		return ui.Visible10Min
	}
	return ui.Visible
}

func appVisibility(v ui.Visibility) string {
	switch v {
	case ui.Hidden:
		return app.VisibilityHidden
	case ui.Visible10Min:
		return app.VisibilityVisible10Min
	}
	return app.VisibilityVisible
}

// Settings implements ui.Backend.
func (b *Backend) Settings() ui.Settings {
	s := b.dev.Settings()
	lang := ui.Language(s.Language)
	if lang == "" {
		lang = ui.LangSystem
	}
	return ui.Settings{
		DeviceName: s.DeviceName, DownloadDir: s.DownloadDir, Visibility: uiVisibility(s.Visibility),
		AutoAcceptKnown: s.AutoAcceptKnown, Language: lang, Port: s.Port,
		LocalSend: s.LocalSend, StartAtLogin: s.StartAtLogin,
		LocalSendHTTP: s.LocalSendHTTP, LocalSendPIN: s.LocalSendPIN,
	}
}

// SaveSettings implements ui.Backend; everything applies at once, the
// port included (transfers in flight keep their connections).
func (b *Backend) SaveSettings(u ui.Settings) error {
	if !app.ValidPIN(u.LocalSendPIN) { // before anything is applied
		return errors.New(b.tr.T("ui.settings.pin.invalid", "Max", app.MaxPINRunes))
	}
	s := b.dev.Settings()
	now := time.Now()
	vis := appVisibility(u.Visibility)
	if vis != s.Visibility || (vis == app.VisibilityVisible10Min && !s.VisibleUntil.After(now)) {
		s.SetVisibility(vis, now)
	}
	if u.StartAtLogin != s.StartAtLogin {
		if err := app.SetStartAtLogin(u.StartAtLogin, ""); err != nil {
			return b.localized(err)
		}
	}
	s.DeviceName, s.DownloadDir, s.AutoAcceptKnown, s.Port = u.DeviceName, u.DownloadDir, u.AutoAcceptKnown, u.Port
	s.LocalSend, s.StartAtLogin = u.LocalSend, u.StartAtLogin
	s.LocalSendHTTP, s.LocalSendPIN = u.LocalSendHTTP, u.LocalSendPIN
	s.Language = string(u.Language)
	if u.Language == ui.LangSystem {
		s.Language = ""
	}
	err := b.dev.ApplySettings(s)
	b.d.emit(ui.SelfChanged{Self: b.Self()})
	if err != nil {
		return b.localized(err)
	}
	return nil
}

// selfChanged is the device's OnSelfChanged: "visible for 10 minutes"
// ended.
func (b *Backend) selfChanged() { b.d.emit(ui.SelfChanged{Self: b.Self()}) }

// KnownDevices implements ui.Backend.
func (b *Backend) KnownDevices() []ui.KnownDevice {
	var out []ui.KnownDevice
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range b.dev.Trust.List() {
		out = append(out, ui.KnownDevice{
			ID: k.ID, Name: k.DisplayName(), OS: b.peers[k.ID].OS, AutoAccept: k.AutoAccept,
			LastAddr: k.LastAddr, LastSeen: k.LastSeen,
		})
	}
	return out
}

// RenameKnown implements ui.Backend; the nickname shows in Nearby at once.
func (b *Backend) RenameKnown(id, name string) error {
	return b.trustChanged(id, b.dev.Trust.Rename(id, name))
}

// ForgetKnown implements ui.Backend; Nearby shows the device as new at once.
func (b *Backend) ForgetKnown(id string) error { return b.trustChanged(id, b.dev.Trust.Forget(id)) }

func (b *Backend) SetAutoAccept(id string, on bool) error { return b.dev.Trust.SetAutoAccept(id, on) }

func (b *Backend) trustChanged(id string, err error) error {
	b.refreshPeer(id)
	return err
}

// History implements ui.Backend. Entries are worded now, in the language
// chosen now: the history keeps codes, names and paths, not sentences.
func (b *Backend) History() []ui.TransferInfo {
	tr := b.tr.get()
	var out []ui.TransferInfo
	for _, h := range b.dev.History.List() {
		t := ui.TransferInfo{
			ID: h.ID, Direction: ui.Direction(h.Direction), PeerID: h.PeerID, PeerName: h.PeerName,
			Names: h.Items, Count: h.Count, Kind: historyKind(h), Done: h.Done, Total: h.Bytes,
			State: ui.TransferState(h.State), Err: h.ErrorIn(tr), SavedTo: h.SavedTo, Paths: h.Paths,
			Text: h.Text, LocalSend: localsend.IsPeerID(h.PeerID), Started: h.Started, Finished: h.Finished,
			Skipped: h.Skipped, Files: h.Files,
		}
		switch {
		case len(h.Items) > 0:
			t.Name = h.Items[0]
		case h.Count == 0 && h.Title != "":
			t.Name, t.Count = h.Title, 1 // written by an older version
		}
		if h.Err != nil {
			t.ErrCode = h.Err.Code
		}
		if h.State == string(ui.Done) {
			t.Done = h.Bytes
		}
		out = append(out, t)
	}
	return out
}

// historyKind: the one item's kind; for several, KindFile only when all
// are files, so a title says "3 files" or "3 items".
func historyKind(h app.HistoryEntry) ui.ItemKind {
	switch {
	case h.Count > 1 && h.Files+h.Skipped != h.Count:
		return ui.KindDir
	case h.Count > 1:
		return ui.KindFile
	case h.Kind == app.KindDir:
		return ui.KindDir
	case h.Kind == app.KindText:
		return ui.KindText
	}
	return ui.KindFile
}

// retryFromHistory finds what a send recorded in the history picked, for a
// Retry after a restart (the backend's own memory of it is gone).
func (b *Backend) retryFromHistory(id string) (*outgoing, error) {
	for _, h := range b.dev.History.List() {
		if h.ID != id || h.Direction != app.DirectionOut {
			continue
		}
		var srcs []transfer.Source
		if len(h.Sources) > 0 {
			var err error
			if srcs, err = transfer.CollectSources(h.Sources); err != nil {
				return nil, err
			}
		}
		if h.Kind == app.KindText && h.Text != "" {
			src, err := transfer.TextSource(h.Text)
			if err != nil {
				return nil, err
			}
			srcs = append(srcs, src)
		}
		if len(srcs) == 0 {
			break
		}
		return &outgoing{peerID: h.PeerID, srcs: srcs}, nil
	}
	return nil, errors.New(b.tr.T("ui.error.retry-gone"))
}
