package backend

// Sharer is a Backend that can share files by link ("Share via link…"):
// the files are served to browsers on the network, each browser only once
// the person allows it. The window offers the button only when its
// backend is a Sharer.
type Sharer interface {
	// StartShare shares files and folders, replacing a running share.
	// onChange is called, from any goroutine, whenever ShareState may have
	// changed: a browser asks, is answered, gives up or downloads, or the
	// share ends by itself (LocalSend turned off, the app quitting).
	StartShare(paths []string, onChange func()) (ShareInfo, error)
	// ShareState is the running share; Active is false when none runs.
	ShareState() ShareInfo
	// AnswerShare allows or declines a browser waiting in ShareState's
	// Requests. An error means it no longer waits.
	AnswerShare(requestID string, allow bool) error
	// StopShare ends the share at once: downloads in flight stop and the
	// link serves nothing any more.
	StopShare()
}

// ShareInfo is a running share as the window shows it.
type ShareInfo struct {
	Active bool
	// URLs open the share from another device: one per network address
	// of this one, HTTPS first (plus HTTP when LocalSend allows it).
	URLs     []string
	Files    int   // files shared (folders counted by their files)
	Size     int64 // their total size
	Names    []string
	Requests []ShareRequest
}

// ShareRequest is one browser that opened the link.
type ShareRequest struct {
	ID        string
	Agent     string // "Chrome · Android"; "" when the browser didn't say
	Addr      string
	Allowed   bool // else it waits for the person's answer
	Downloads int
}
