// Package backend is the contract between Lempar's window (package ui) and
// the rest of the program: the Backend interface, the values it hands over
// and the events it delivers. It links no Fyne, so the code that implements
// it (desktop/) and test doubles (ui/uitest) need not depend on the widgets;
// package ui re-exports every name, so ui.Backend and backend.Backend are the
// same type.
package backend

import (
	"context"
	"time"
)

// Backend is everything the window needs from the rest of Lempar. app/
// implements it on top of discovery and transfer; tests and the screenshot
// tool use uitest.Fake. The UI never opens a socket or touches a file itself.
//
// Threading: methods may be called from any goroutine. Methods that can wait
// on the network or the disk (SendPaths, SendText, AddByAddress, Answer,
// Cancel, Retry, SaveSettings and the known-device edits) are always called
// off the UI thread, so they may block. Self, Settings, KnownDevices and
// History are called on the UI thread and must return quickly.
type Backend interface {
	// Self describes this device for the top bar.
	Self() SelfInfo

	// Subscribe delivers events to fn until the returned stop function is
	// called. It first replays the current state (a PeerSeen for every
	// nearby device, an OfferReceived for every unanswered offer, a
	// TransferUpdated for every transfer not yet in History, then a
	// PINRequested for every unanswered PIN request) so nothing slips
	// between a snapshot and the subscription. fn is called from one
	// goroutine at a time, in order, and returns quickly. For every
	// transfer the last TransferUpdated carries a final State.
	Subscribe(fn func(Event)) (stop func())

	// SendPaths offers files and folders to each peer; every peer gets its
	// own transfer, reported through TransferUpdated. It returns once the
	// transfers are started (not finished); an error means none started and
	// says why (unreadable file, unknown device).
	SendPaths(peerIDs []string, paths []string) error
	// SendText offers a piece of text to each peer, like SendPaths.
	SendText(peerIDs []string, text string) error
	// AddByAddress connects to host:port, reads who is there and adds it to
	// the nearby list (it is then also reported as PeerSeen).
	AddByAddress(ctx context.Context, hostport string) (PeerInfo, error)

	// Answer decides an offer from OfferReceived.
	Answer(offerID string, d Decision) error
	// Cancel stops a transfer in either direction; it ends as Cancelled.
	Cancel(transferID string) error
	// Retry starts a failed or cancelled outgoing transfer again, resuming
	// what the receiver already holds. The new attempt may keep the ID.
	Retry(transferID string) error
	// AnswerPIN answers a PINRequested for an outgoing transfer: ok with
	// the PIN the person typed, or !ok to give up, which ends the transfer
	// as Cancelled. A wrong PIN comes back as another PINRequested with
	// Wrong set. An error means the transfer no longer waits for a PIN.
	AnswerPIN(transferID, pin string, ok bool) error

	// Settings returns the current settings.
	Settings() Settings
	// SaveSettings stores and applies s (name, visibility, ...). The UI
	// calls it after every change; an error is shown to the person. A new
	// Port may wait for the next start (the settings screen says so), and
	// Language is applied by the UI itself.
	SaveSettings(s Settings) error

	// KnownDevices lists devices this one has exchanged files with.
	KnownDevices() []KnownDevice
	RenameKnown(id, name string) error
	ForgetKnown(id string) error
	SetAutoAccept(id string, on bool) error

	// History lists finished transfers, newest first; it survives restarts.
	History() []TransferInfo
}

// SelfInfo describes this device.
type SelfInfo struct {
	Name string
	ID   string
	// Fingerprint is the short, human-comparable form of ID ("a3f9…c21").
	Fingerprint string
	// Addrs are host:port pairs where others can reach this device, for
	// people adding it by address.
	Addrs        []string
	Visibility   Visibility
	VisibleUntil time.Time // set while Visibility is Visible10Min
	// Notice is a problem to show under the top bar, in the person's
	// language: e.g. the firewall blocks other devices from reaching us.
	Notice string
}

// PeerInfo is a device that can receive.
type PeerInfo struct {
	ID        string
	Name      string
	OS        string // GOOS-style: "linux", "windows", "darwin", "android", "ios"; "" if unknown
	Addr      string // host:port last used to reach it
	Known     bool   // files were exchanged before (it is in KnownDevices)
	LocalSend bool   // a LocalSend app rather than Lempar
	LastSeen  time.Time
}

// ItemKind says what an offered or sent item is.
type ItemKind string

const (
	KindFile ItemKind = "file"
	KindDir  ItemKind = "dir"
	KindText ItemKind = "text"
)

// ItemInfo is one top-level item of an offer.
type ItemInfo struct {
	Path        string // relative name as the sender offers it
	Size        int64  // bytes; a folder counts everything inside it
	Kind        ItemKind
	Files       int    // files inside a folder
	TextPreview string // first characters of a text item
}

// OfferInfo is an incoming request waiting for this person's decision.
type OfferInfo struct {
	ID       string
	PeerID   string
	PeerName string
	Known    bool
	// NameClash: a known device already uses this name, but this is a
	// different device (another certificate). It may be an impostor; the
	// dialog warns and auto-accept never applies.
	NameClash bool
	// Unverified: the sender only claims its ID (a LocalSend fingerprint it
	// didn't prove). The dialog says so; auto-accept and "always accept"
	// never apply, and Known is false.
	Unverified bool
	// Code is the 6-digit verification code both screens show; "" for
	// LocalSend peers, which show Fingerprint instead.
	Code        string
	Fingerprint string
	Items       []ItemInfo
	Total       int64
	Expires     time.Time
}

// Decision answers an offer.
type Decision struct {
	Accept bool
	Dir    string // where to save; "" means Settings.DownloadDir
	Always bool   // auto-accept this device from now on
	// Items, parallel to OfferInfo.Items, is false for each item the
	// person unticked (a folder with everything in it); nil takes all.
	Items []bool
}

// Direction tells sending from receiving.
type Direction string

const (
	Incoming Direction = "in"
	Outgoing Direction = "out"
)

// TransferState is where a transfer is in its life.
type TransferState string

const (
	Waiting   TransferState = "waiting" // for the receiver to answer
	Sending   TransferState = "sending" // bytes flowing, in either direction
	Verifying TransferState = "verifying"
	// Retrying: the link dropped; the sender keeps reconnecting and the
	// transfer resumes by itself where it stopped.
	Retrying  TransferState = "retrying"
	Done      TransferState = "done"
	Declined  TransferState = "declined"
	Cancelled TransferState = "cancelled"
	Failed    TransferState = "failed"
)

// Final reports whether no more updates follow this state.
func (s TransferState) Final() bool {
	switch s {
	case Done, Declined, Cancelled, Failed:
		return true
	}
	return false
}

// TransferInfo is the state of one transfer to or from one peer.
type TransferInfo struct {
	ID        string
	Direction Direction
	PeerID    string
	PeerName  string
	// Name is the single item's name, or the first one's; Count is the
	// number of top-level items. The UI shows "report.pdf" or "12 files".
	Name  string
	Count int
	Kind  ItemKind // of the single item, or KindFile for several
	Done  int64    // bytes so far
	Total int64
	Rate  float64       // bytes per second, smoothed
	ETA   time.Duration // 0 when unknown
	State TransferState
	Err   string // why it failed, in words for the person
	// ErrCode is the stable name of Err's code (internal/errcode, e.g.
	// "peer-cancelled"), so the window can say who ended a transfer
	// without reading Err's words; "" when there is none.
	ErrCode string
	// Code is the 6-digit verification code of a Lempar transfer, known once
	// connected: the sender's row shows it while the receiver decides, so
	// the person can compare it with the receiver's dialog.
	Code string
	// LocalSend: the other side is a LocalSend app, which shows no code;
	// the row says it cannot be checked by code instead.
	LocalSend bool
	// Names are the first top-level items' names, when known (history
	// entries), so a title can say "3 files: a.pdf, b.jpg…".
	Names []string
	// SavedTo is the received file or folder (or the folder holding several
	// items) once Done; Paths are the received top-level items' own paths.
	SavedTo  string
	Paths    []string
	Text     string // the text of a text transfer (for incoming, once Done)
	Started  time.Time
	Finished time.Time

	// Skipped counts the files and texts the receiver's person unticked
	// (partial accept); Files and Total then count only the rest, so the
	// row reads "3 of 5 files; 2 skipped by Budi".
	Skipped int
	Files   int

	// Swarm: this row is one receiver of a send to several Lempar devices
	// that pass pieces to each other (transfer/swarm_doc.go). On a
	// receiving row, FromPeers is how much came from the other receivers.
	Swarm     bool
	FromPeers int64
	// SwarmID is shared by the rows of one swarm send, so the window can
	// show how far all its receivers are.
	SwarmID string
}

// Visibility says who can see this device.
type Visibility string

const (
	Visible      Visibility = "visible"
	Hidden       Visibility = "hidden" // not announced; known devices can still send
	Visible10Min Visibility = "visible10min"
)

// Language is the UI language setting.
type Language string

const (
	LangSystem     Language = "system"
	LangEnglish    Language = "en"
	LangIndonesian Language = "id"
)

// Settings are the person's choices; the UI saves them on every change.
type Settings struct {
	DeviceName      string
	DownloadDir     string
	Visibility      Visibility
	AutoAcceptKnown bool
	Language        Language
	Port            int // 0 picks a free port
	// LocalSend lets LocalSend apps (phones) see and send to this device.
	LocalSend bool
	// LocalSendHTTP also accepts LocalSend devices whose encryption is off.
	LocalSendHTTP bool
	// LocalSendPIN, when set, is asked of every LocalSend sender.
	LocalSendPIN string
	// StartAtLogin starts Lempar (in the tray) when the person logs in.
	StartAtLogin bool
}

// KnownDevice is a device this one trusts by its certificate.
type KnownDevice struct {
	ID         string
	Name       string
	OS         string
	AutoAccept bool
	LastAddr   string
	LastSeen   time.Time
}

// Event is one of PeerSeen, PeerLost, OfferReceived, OfferClosed,
// TransferUpdated, PINRequested, SelfChanged.
type Event interface{ isEvent() }

// PeerSeen reports a new device or a change to one (name, address, known).
type PeerSeen struct{ Peer PeerInfo }

// PeerLost reports a device that left or stopped answering.
type PeerLost struct{ ID string }

// OfferReceived asks this person to accept or decline.
type OfferReceived struct{ Offer OfferInfo }

// OfferClosed withdraws an offer that was not answered here.
type OfferClosed struct {
	ID     string
	Reason OfferEnd
}

// OfferEnd says why an offer went away unanswered.
type OfferEnd string

const (
	OfferExpired   OfferEnd = "expired"
	OfferWithdrawn OfferEnd = "withdrawn" // the sender cancelled or left
)

// TransferUpdated carries the latest state of a transfer. Progress may come
// many times a second; the UI throttles redraws.
type TransferUpdated struct{ Transfer TransferInfo }

// PINRequested asks for the PIN a receiver wants before it takes an
// outgoing transfer (LocalSend devices can require one). Answer it with
// AnswerPIN. It stays pending until answered or until the transfer ends
// (its final TransferUpdated); Wrong is set when the receiver refused the
// PIN given last time.
type PINRequested struct {
	Transfer string // the transfer's ID
	Peer     string // the receiving device's name
	Wrong    bool
}

// SelfChanged reports a change to SelfInfo, such as visibility returning to
// hidden after ten minutes.
type SelfChanged struct{ Self SelfInfo }

func (PeerSeen) isEvent()        {}
func (PeerLost) isEvent()        {}
func (OfferReceived) isEvent()   {}
func (OfferClosed) isEvent()     {}
func (TransferUpdated) isEvent() {}
func (PINRequested) isEvent()    {}
func (SelfChanged) isEvent()     {}
