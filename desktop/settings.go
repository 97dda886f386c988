package desktop

import (
	"time"

	"github.com/lempar/lempar/app"
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
	}
}

// SaveSettings implements ui.Backend; everything applies at once, the
// port included (transfers in flight keep their connections).
func (b *Backend) SaveSettings(u ui.Settings) error {
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

// History implements ui.Backend.
func (b *Backend) History() []ui.TransferInfo {
	var out []ui.TransferInfo
	for _, h := range b.dev.History.List() {
		out = append(out, ui.TransferInfo{
			ID: h.ID, Direction: ui.Direction(h.Direction), PeerID: h.PeerID, PeerName: h.PeerName,
			Name: h.Title, Count: h.Files, Kind: ui.KindFile, Done: h.Bytes, Total: h.Bytes,
			State: ui.TransferState(h.State), Err: h.Error, SavedTo: h.SavedTo,
			Started: h.Started, Finished: h.Finished,
		})
	}
	return out
}
