// Package transfer is Lempar's wire protocol and transfer engine: TLS identity,
// framing, the sender, the receiver, the safe inbox, resume and progress events.
//
// The full protocol specification lives below and is kept true by the tests.
package transfer
