package ui

import "github.com/lempar/lempar/ui/backend"

// The window's contract with the rest of Lempar lives in ui/backend, which
// links no Fyne, so that test doubles (ui/uitest) can implement it and still
// be used by this package's own tests. These are the same types under the
// names the window and desktop/ have always used.
type (
	Backend       = backend.Backend
	SelfInfo      = backend.SelfInfo
	PeerInfo      = backend.PeerInfo
	ItemKind      = backend.ItemKind
	ItemInfo      = backend.ItemInfo
	OfferInfo     = backend.OfferInfo
	Decision      = backend.Decision
	Direction     = backend.Direction
	TransferState = backend.TransferState
	TransferInfo  = backend.TransferInfo
	Visibility    = backend.Visibility
	Language      = backend.Language
	Settings      = backend.Settings
	KnownDevice   = backend.KnownDevice

	Event           = backend.Event
	PeerSeen        = backend.PeerSeen
	PeerLost        = backend.PeerLost
	OfferReceived   = backend.OfferReceived
	OfferClosed     = backend.OfferClosed
	OfferEnd        = backend.OfferEnd
	TransferUpdated = backend.TransferUpdated
	PINRequested    = backend.PINRequested
	SelfChanged     = backend.SelfChanged
)

const (
	KindFile = backend.KindFile
	KindDir  = backend.KindDir
	KindText = backend.KindText

	Incoming = backend.Incoming
	Outgoing = backend.Outgoing

	Waiting   = backend.Waiting
	Sending   = backend.Sending
	Verifying = backend.Verifying
	Retrying  = backend.Retrying
	Done      = backend.Done
	Declined  = backend.Declined
	Cancelled = backend.Cancelled
	Failed    = backend.Failed

	Visible      = backend.Visible
	Hidden       = backend.Hidden
	Visible10Min = backend.Visible10Min

	LangSystem     = backend.LangSystem
	LangEnglish    = backend.LangEnglish
	LangIndonesian = backend.LangIndonesian

	OfferExpired   = backend.OfferExpired
	OfferWithdrawn = backend.OfferWithdrawn
)
