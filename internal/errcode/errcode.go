// Package errcode is the one list of Lempar's error codes. A Code is a
// small integer, so a misspelt code does not compile; String gives the
// stable text scripts read as "error_code" in --json output and peers send
// in error frames, and Class groups codes by what they mean for a transfer
// (declined, expired, busy, cancelled, invalid, failed).
//
// The package depends on nothing but the standard library so every layer
// (transfer, localsend, app, the CLI and the GUI) can use it.
package errcode

import "strconv"

// Code identifies one kind of error. The zero value is Internal.
type Code uint8

// The codes. Add new ones at the end of their group and give each a row in
// table; the tests check that every code has a name, a round trip through
// Parse and a message in every catalog.
const (
	Internal Code = iota // not an engine error, or a bug

	// The Lempar engine (i18n key "err.<name>").
	Busy             // the receiver was busy with other transfers
	BusyLocal        // we refused a sender because all slots were taken
	Cancelled        // this side cancelled
	ConnectionLost   // the link dropped mid-session
	Declined         // the receiver's person said no
	DeclinedLocal    // our person said no
	DigestMismatch   // a file arrived damaged
	DiskError        // writing failed for another reason
	DiskFull         // the disk filled up while writing
	DiskReadOnly     // the download folder cannot be written
	EmptyOffer       // nothing to send
	Expired          // the receiver did not answer in time
	Handshake        // TLS or hello failed
	IdentityCorrupt  // the device key on disk is unreadable
	IdentityWrite    // the device key could not be saved
	Listen           // the port could not be opened
	NoCertificate    // the peer showed no usable certificate
	NoSpace          // not enough room here for the offer
	NoSpacePeer      // not enough room at the receiver for the offer
	OfferExpired     // we did not answer an offer in time
	OfferTooLarge    // the offer has too many items
	PeerCancelled    // the other side cancelled
	PeerRejectedFile // the receiver refused one file
	PeerTooNew       // the peer speaks a newer protocol
	PeerTooOld       // the peer speaks an older protocol
	PINMismatch      // the peer is not the device we pinned
	Protocol         // the peer broke the wire rules
	RateLimited      // we refused a sender that connects too often
	SourceBadName    // a file to send has a name we cannot send
	SourceChanged    // a file changed while it was being sent
	SourceMissing    // a file to send does not exist
	SourceNotRegular // a path to send is neither a file nor a folder
	SourceUnreadable // a file to send cannot be read
	TextNotUTF8      // a text message is not UTF-8
	TextTooLong      // a text message is over the limit
	TLSVersion       // the peer's TLS is too old
	TooManyBytes     // the peer sent more than it announced
	TooManyCopies    // no free "name (n)" for an arriving file
	Unreachable      // nothing answered at the address
	AlreadyRunning   // another process runs this identity (config folder)
	InstanceLock     // the one-instance lock file could not be opened
	BadName          // the peer offered a name that can't be saved here

	// What the peer reported in an error frame (see Remote).
	RemoteBusy
	RemoteCancelled
	RemoteDeclined
	RemoteDiskError
	RemoteDiskFull
	RemoteDiskReadOnly
	RemoteError // a code we do not know, or one a peer may not send
	RemoteExpired
	RemoteNoSpace
	RemoteOfferTooLarge
	RemotePeerTooNew
	RemotePeerTooOld
	RemoteBadName

	// LocalSend (name "localsend-<x>", i18n key "localsend.err.<x>").
	LocalSendBusy
	LocalSendDisabled
	LocalSendFingerprint
	LocalSendHTTP
	LocalSendListen
	LocalSendNotFound
	LocalSendPINLocked
	LocalSendPINRequired
	LocalSendPINWrong
	LocalSendProtocol
	LocalSendStalled
	LocalSendUnreachable
	LocalSendUpload

	// The command line (i18n key "cli.err.<name>").
	Ambiguous    // a name matches more than one device
	NoSuchDevice // no device by that name

	numCodes // keep last
)

// Class groups codes by what they mean for a transfer and for scripts.
type Class uint8

const (
	ClassFailed    Class = iota // something went wrong; the default
	ClassDeclined               // a person or the receiver said no (also: no room, read-only)
	ClassExpired                // an offer was not answered in time
	ClassBusy                   // the receiver had no room for another session
	ClassCancelled              // a person stopped it, on either side
	ClassInvalid                // the request itself was wrong (what to send, which device)
)

var classNames = [...]string{
	ClassFailed: "failed", ClassDeclined: "declined", ClassExpired: "expired",
	ClassBusy: "busy", ClassCancelled: "cancelled", ClassInvalid: "invalid",
}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Refusal reports whether the class ends a transfer as declined: the
// receiver said no, did not answer, or had no room.
func (c Class) Refusal() bool {
	return c == ClassDeclined || c == ClassExpired || c == ClassBusy
}

type info struct {
	name   string
	key    string // i18n key; "" means "err." + name
	class  Class
	remote Code // what this code becomes when a peer reports it; 0 = RemoteError
}

var table = [numCodes]info{
	Internal: {name: "internal"},

	Busy:             {name: "busy", class: ClassBusy, remote: RemoteBusy},
	BusyLocal:        {name: "busy-local", class: ClassBusy},
	Cancelled:        {name: "cancelled", class: ClassCancelled, remote: RemoteCancelled},
	ConnectionLost:   {name: "connection-lost"},
	Declined:         {name: "declined", class: ClassDeclined, remote: RemoteDeclined},
	DeclinedLocal:    {name: "declined-local", class: ClassDeclined},
	DigestMismatch:   {name: "digest-mismatch"},
	DiskError:        {name: "disk-error", remote: RemoteDiskError},
	DiskFull:         {name: "disk-full", remote: RemoteDiskFull},
	DiskReadOnly:     {name: "disk-readonly", class: ClassDeclined, remote: RemoteDiskReadOnly},
	EmptyOffer:       {name: "empty-offer", class: ClassInvalid},
	Expired:          {name: "expired", class: ClassExpired, remote: RemoteExpired},
	Handshake:        {name: "handshake"},
	IdentityCorrupt:  {name: "identity-corrupt"},
	IdentityWrite:    {name: "identity-write"},
	Listen:           {name: "listen"},
	NoCertificate:    {name: "no-certificate"},
	NoSpace:          {name: "no-space", class: ClassDeclined, remote: RemoteNoSpace},
	NoSpacePeer:      {name: "no-space-peer", class: ClassDeclined},
	OfferExpired:     {name: "offer-expired", class: ClassExpired},
	OfferTooLarge:    {name: "offer-too-large", remote: RemoteOfferTooLarge},
	PeerCancelled:    {name: "peer-cancelled", class: ClassCancelled},
	PeerRejectedFile: {name: "peer-rejected-file"},
	PeerTooNew:       {name: "peer-too-new", remote: RemotePeerTooNew},
	PeerTooOld:       {name: "peer-too-old", remote: RemotePeerTooOld},
	PINMismatch:      {name: "pin-mismatch"},
	Protocol:         {name: "protocol"},
	RateLimited:      {name: "rate-limited", class: ClassBusy},
	SourceBadName:    {name: "source-bad-name", class: ClassInvalid},
	SourceChanged:    {name: "source-changed"},
	SourceMissing:    {name: "source-missing", class: ClassInvalid},
	SourceNotRegular: {name: "source-not-regular", class: ClassInvalid},
	SourceUnreadable: {name: "source-unreadable"},
	TextNotUTF8:      {name: "text-not-utf8", class: ClassInvalid},
	TextTooLong:      {name: "text-too-long", class: ClassInvalid},
	TLSVersion:       {name: "tls-version"},
	TooManyBytes:     {name: "too-many-bytes"},
	TooManyCopies:    {name: "too-many-copies"},
	Unreachable:      {name: "unreachable"},
	AlreadyRunning:   {name: "already-running", class: ClassBusy},
	InstanceLock:     {name: "instance-lock"},
	BadName:          {name: "bad-name", class: ClassInvalid, remote: RemoteBadName},

	RemoteBusy:          {name: "remote-busy", class: ClassBusy},
	RemoteCancelled:     {name: "remote-cancelled", class: ClassCancelled},
	RemoteDeclined:      {name: "remote-declined", class: ClassDeclined},
	RemoteDiskError:     {name: "remote-disk-error"},
	RemoteDiskFull:      {name: "remote-disk-full"},
	RemoteDiskReadOnly:  {name: "remote-disk-readonly", class: ClassDeclined},
	RemoteError:         {name: "remote-error"},
	RemoteExpired:       {name: "remote-expired", class: ClassExpired},
	RemoteNoSpace:       {name: "remote-no-space", class: ClassDeclined},
	RemoteOfferTooLarge: {name: "remote-offer-too-large"},
	RemotePeerTooNew:    {name: "remote-peer-too-new"},
	RemotePeerTooOld:    {name: "remote-peer-too-old"},
	RemoteBadName:       {name: "remote-bad-name", class: ClassInvalid},

	LocalSendBusy:        {name: "localsend-busy", key: "localsend.err.busy", class: ClassBusy},
	LocalSendDisabled:    {name: "localsend-disabled", key: "localsend.err.disabled"},
	LocalSendFingerprint: {name: "localsend-fingerprint", key: "localsend.err.fingerprint"},
	LocalSendHTTP:        {name: "localsend-http", key: "localsend.err.http"},
	LocalSendListen:      {name: "localsend-listen", key: "localsend.err.listen"},
	LocalSendNotFound:    {name: "localsend-not-found", key: "localsend.err.not-found", class: ClassInvalid},
	LocalSendPINLocked:   {name: "localsend-pin-locked", key: "localsend.err.pin-locked"},
	LocalSendPINRequired: {name: "localsend-pin-required", key: "localsend.err.pin-required"},
	LocalSendPINWrong:    {name: "localsend-pin-wrong", key: "localsend.err.pin-wrong"},
	LocalSendProtocol:    {name: "localsend-protocol", key: "localsend.err.protocol"},
	LocalSendStalled:     {name: "localsend-stalled", key: "localsend.err.stalled"},
	LocalSendUnreachable: {name: "localsend-unreachable", key: "localsend.err.unreachable"},
	LocalSendUpload:      {name: "localsend-upload", key: "localsend.err.upload"},

	Ambiguous:    {name: "ambiguous", key: "cli.err.ambiguous", class: ClassInvalid},
	NoSuchDevice: {name: "no-such-device", key: "cli.err.no-such-device", class: ClassInvalid},
}

var (
	byName   = make(map[string]Code, numCodes)
	isRemote [numCodes]bool
)

func init() {
	for c := range numCodes {
		byName[table[c].name] = c
		if r := table[c].remote; r != 0 {
			isRemote[r] = true
		}
	}
	isRemote[RemoteError] = true
}

func (c Code) valid() bool { return c < numCodes }

// String is the stable name: "declined", "pin-mismatch", "localsend-busy".
func (c Code) String() string {
	if c.valid() {
		return table[c].name
	}
	return "errcode(" + strconv.Itoa(int(c)) + ")"
}

// MarshalText writes the name, so a Code in JSON reads like before.
func (c Code) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Key is the i18n key of the code's message.
func (c Code) Key() string {
	if !c.valid() {
		return "err.internal"
	}
	if k := table[c].key; k != "" {
		return k
	}
	return "err." + table[c].name
}

// Class says what the code means for a transfer.
func (c Code) Class() Class {
	if !c.valid() {
		return ClassFailed
	}
	return table[c].class
}

// Remote is the code to report when a peer sends c in an error frame: the
// "remote-" form of the codes a peer may send, RemoteError for any other.
func (c Code) Remote() Code {
	if c.valid() && table[c].remote != 0 {
		return table[c].remote
	}
	return RemoteError
}

// IsRemote reports whether c is a peer's error relayed by Remote.
func (c Code) IsRemote() bool { return c.valid() && isRemote[c] }

// Parse reads a code's name, as it comes from a peer or from --json output.
// An unknown name gives Internal and false; it never panics.
func Parse(s string) (Code, bool) {
	c, ok := byName[s]
	return c, ok
}

// All lists every code, for tests and documentation.
func All() []Code {
	out := make([]Code, numCodes)
	for c := range numCodes {
		out[c] = c
	}
	return out
}
