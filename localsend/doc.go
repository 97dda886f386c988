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
//   - A prepare-upload is one Lempar offer. A message (text/plain, or v1's
//     "text", with the whole text as preview, up to 1 MiB) is a text item,
//     answered 204 once accepted (v1: 200 with an empty file map).
//     LocalSend has no verification code: Request.Code is empty.
//   - Partial accept: the answer to a prepare-upload carries tokens only
//     for the files the person kept (an upload of another is refused), and
//     as a sender we upload only the files the answer has tokens for; both
//     rows count the rest as skipped (partial.go).
//   - One entry per device: the same fingerprint heard over HTTPS and HTTP
//     is listed once, as HTTPS, never downgraded by what is heard over
//     HTTP. The info of a prepare-upload lists its sender only once /info
//     at the address and port it names answers as that device (listSender).
//   - Folders travel as files with relative paths; empty folders don't.
//
// # Receiving
//
// One HTTPS port (53317 unless set) serves the API; with AllowHTTP the same
// port also answers plain HTTP (the first byte tells TLS from HTTP), and
// /info and register answers given over HTTP say "http". /info is the same
// complete description on v1 and v2. One
// session at a time, as LocalSend expects: another offer gets 409, except
// that a known, verified device may take a second slot. Connections, bodies
// in flight and the bytes of offers are capped before anything is read
// (guard.go, sniff.go). Status
// codes: 400 malformed (every name is checked before anyone is asked; a
// name only the sender's system allows, like "10:30.txt", "con.txt" or
// "A.JPG" beside "a.jpg", is saved under a safe name, see savedir.Names), 401
// PIN missing or wrong (v1 send-request takes ?pin= as v2 does), 429 after
// five wrong PINs from an address within five minutes, 403 declined,
// expired or a bad token or address, 204 for messages, 404 and 405 for
// unknown routes and methods; every error body is JSON,
// {"message": "..."}. Uploads must come from the offering address with the
// file's token; a body longer or shorter than announced fails the session
// and keeps nothing of that file. A sha256 that doesn't match keeps nothing
// of it and answers 422, as 1.18 does: the sender sends the file again
// (ours does, as 1.18), three uploads of a file at most, then the session
// fails. Uploads may
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
// # Share via link
//
// With Config.Share set (package share, mounted by app), the same port
// also serves "Share via link": the page at / and the download API,
// POST /api/localsend/v2/prepare-download and
// GET /api/localsend/v2/download?sessionId=…&fileId=… (protocol v2.1 §5),
// plus Lempar's GET /api/lempar/share/zip. Each asking client waits for
// the person's consent; the share stops when this service does.
//
// # Discovery
//
// Multicast on 224.0.0.167:53317 (and ff12::fd3a:e420 where IPv6 works):
// we announce at start, and every AnnounceEvery while a LocalSend app (not
// a Lempar device, which mDNS finds) answers them; we answer others' announcements
// with POST /register plus a datagram to the announcer (the protocol's UDP
// fallback when the POST fails), and list every device heard for
// DeviceTTL. All JSON from the network is size-limited, strictly typed and
// checked; junk is dropped without a word, answers are rate-limited per
// address and bounded in number.
package localsend
