// Package localsend lets Lempar talk to LocalSend apps (protocol v2, with
// the v1 paths older apps use), so phones that have LocalSend can send to
// and receive from Lempar with nothing new installed.
//
// It is an adapter, not a second engine. Incoming offers go to the same
// transfer.Acceptor as Lempar offers (the node's trust rules, then the
// dialog or the CLI prompt); accepted files are written through
// savedir.Dir (os.Root confinement, name checks, partial files, fsync,
// never overwrite); progress and results are transfer.Events, so history
// and the transfers list need nothing new. app.LocalSend wires a Service to
// a Node and lists LocalSend devices in the discovery table.
//
// # Mapping
//
//   - Device ID: "localsend:" + the peer's fingerprint. Over HTTPS that is
//     the SHA-256 of its certificate (lowercased hex); a client certificate,
//     when the peer shows one, wins over what its JSON claims. Without one,
//     a claim is proven by calling back the sender's address at its
//     announced port (guard.go); an unproven claim, or the random token of
//     an HTTP-mode app, leaves PeerInfo.Verified false, and trust rules
//     skip it. A known alias with a new
//     fingerprint is a different device: never auto-accepted, and the offer
//     dialog's name-clash warning applies (TrustStore.NameClash).
//   - Our fingerprint is our identity's certificate hash in LocalSend's
//     form (uppercase hex), so LocalSend apps can pin us, and when we know a
//     peer's hex fingerprint our client refuses any other certificate.
//   - A prepare-upload is one Lempar offer. A message (text/plain with the
//     whole text as preview) is a text item, answered 204 once accepted.
//     LocalSend has no verification code: Request.Code is empty.
//   - Folders travel as files with relative paths; empty folders don't.
//
// # Receiving
//
// One HTTPS port (53317 unless set) serves the API; with AllowHTTP the same
// port also answers plain HTTP (the first byte tells TLS from HTTP). One
// session at a time, as LocalSend expects: another offer gets 409, except
// that a known, verified device may take a second slot. Connections, bodies
// in flight and the bytes of offers are capped before anything is read
// (guard.go, sniff.go). Status
// codes: 400 malformed (every name is checked before anyone is asked; a
// name only the sender's system allows, like "10:30.txt", "con.txt" or
// "A.JPG" beside "a.jpg", is saved under a safe name, see savedir.Names), 401
// PIN missing or wrong, 429 after five wrong PINs from an address within
// five minutes, 403 declined, expired or a bad token or address, 204 for
// messages. Uploads must come from the offering address with the file's
// token; a body longer or shorter than announced, or a sha256 that doesn't
// match, fails the session and keeps nothing of that file. Uploads may
// arrive whole or as consecutive X-Content-Range pieces (localsend on npm
// sends files over 50 MB that way). A session with no bytes for
// StallTimeout fails, so a vanished sender can't hold the slot. A /cancel
// without a session ID withdraws the offer its address is still waiting
// on; our sender posts one when it gives up before the answer. When the
// person here cancels, the sender's own server (the port and protocol of
// its info) gets a /cancel for the session, as the official apps send it;
// such a /cancel reaching us for one of our uploads (SendOptions.Via)
// stops it, and its row says the receiver cancelled.
//
// # Discovery
//
// Multicast on 224.0.0.167:53317 (and ff12::fd3a:e420 where IPv6 works):
// we announce at start and every AnnounceEvery, answer others' announcements
// with POST /register plus a datagram to the announcer (the protocol's UDP
// fallback when the POST fails), and list every device heard for
// DeviceTTL. All JSON from the network is size-limited, strictly typed and
// checked; junk is dropped without a word, answers are rate-limited per
// address and bounded in number.
package localsend
