// Package transfer is Lempar's wire protocol and transfer engine: TLS
// identity, framing, the sender, the receiver, resume and progress events.
// What it receives is written through savedir, the safe download folder. It
// never imports Fyne; the GUI and the CLI both drive it.
//
// # Protocol, version 1
//
// Transport. TCP to the receiver's port (default 53318), then TLS 1.3 only,
// ALPN "lempar/1". Each device has a self-signed ECDSA P-256 certificate made
// on first start (config dir, 0600). Its device ID is the lowercase hex
// SHA-256 of the DER certificate. Both sides present certificates: the
// receiver requires one and learns the sender's ID from it (trust on first
// use, then the trust store); the sender pins the receiver's ID when
// discovery or the trust store gave one, and refuses a different certificate
// ("pin-mismatch") before sending anything.
//
// Verification code. Both sides derive 8 bytes from the TLS exporter
// (label "EXPORTER-lempar-verification-code", no context), take the
// big-endian uint64 modulo 10^6 and show it as 6 digits ("482 913"). A relay
// terminating TLS on each side cannot make the two codes equal.
//
// Framing. Every frame is
//
//	type (1 byte) | length (uint32, big endian) | payload (length bytes)
//
// Control payloads are JSON objects. Bounds are checked on the header,
// before anything is allocated: offer ≤ 16 MiB (it grows with the file
// count), other control frames ≤ 1 MiB, data ≤ 12 + 256 KiB. An unknown type
// or an oversize length ends the session with a protocol error.
//
//	1 hello      {proto, min_proto, name, os, app, port, probe}
//	2 offer      {session (UUID), items: [{path, kind, size, mode, mtime, text}]}
//	3 decision   {accept, reason, items: [{accept, offset, prefix_hash}]}
//	4 data       item (uint32) | offset (uint64) | bytes (≤ 256 KiB)
//	5 file-done  {item, digest}
//	6 ack        {item, ok, saved_as, code}
//	7 cancel     {reason}
//	8 error      {code, detail}
//	9 ping       {}
//	10 bye       {}
//
// Flow.
//
//  1. Both send hello; the sender first. A peer whose [min_proto, proto]
//     range does not include ours gets error "peer-too-old"/"peer-too-new".
//     A hello with probe=true (add by address, reachability) ends there.
//  2. The sender sends one offer. Paths are slash-separated and relative;
//     every element is checked on receipt (savedir.Names): "..", absolute
//     or drive paths, control, zero-width and bidi characters, names over
//     255 bytes refuse the offer; names only the sender's system allows
//     (< > : " | ? *, a trailing dot or space, reserved Windows names, a
//     partial's suffix, names differing only in case) are saved under a
//     safe name ("_", "con_.txt", " (1)"), while the person is shown the
//     offered name and the event's Saved list the saved one. Kinds: "file" (size, mode, mtime in Unix ns), "dir" (size 0;
//     empty folders travel too), "text" (carried inline, ≤ 256 KiB, so the
//     person can read it before accepting). At most 100,000 items, 16 TiB.
//  3. The receiver checks free space, then asks its Acceptor (a person or a
//     trust rule) for at most 2 minutes. Both sides ping while the offer
//     waits (see below), so a person may take the whole 2 minutes. It
//     answers with a decision. Declines carry a reason: "declined",
//     "expired", "no-space", "busy". Nothing touches the download folder
//     before an acceptance. An acceptance may decline some items (the
//     person unticked them: items[i].accept false; a declined folder
//     declines everything in it); the sender sends none of them and both
//     sides report them as skipped. One that declines every item is sent
//     as a decline.
//  4. For each accepted file the decision may propose a resume: the receiver
//     holds offset bytes whose BLAKE3-256 is prefix_hash. The sender hashes
//     its own first offset bytes; if they match it streams from offset,
//     otherwise from 0 (a data frame at offset 0 tells the receiver to start
//     that file over).
//  5. The sender streams accepted files in offer order, back to back, with
//     no per-file round trip: data frames at increasing offsets, then a
//     file-done with the BLAKE3-256 of the whole file (computed while
//     reading, continuing from the verified prefix). More bytes than
//     declared, fewer bytes, out-of-order items and data for items not
//     accepted are protocol errors.
//  6. The receiver writes each file to "<name>.<tag>.lempar-partial" in
//     the download folder's hidden ".lempar-partial" folder (savedir), out
//     of sight until complete, hashing while writing. On file-done it compares
//     digests; on a match it makes the bytes durable (fsync for files
//     ≥ 1 MiB; smaller files in batches with one syncfs on Linux), sets
//     mtime and the executable bit, and hard-links the partial to a free
//     name — "photo.jpg", else "photo (1).jpg", … — so nothing is ever
//     overwritten, then acks {ok, saved_as}. A mismatch deletes the partial
//     and acks {ok:false, code:"digest-mismatch"}.
//  7. After the last ack the sender sends bye and closes.
//
// Either side may send cancel (or error) at any time and close; the other
// side stops and reports it. A side that writes nothing for 2 s sends a
// ping; a side that reads nothing for 10 s considers the link dead.
//
// Resume. The partial's tag is the first 4 bytes of BLAKE3(sender ID, path,
// size, mtime), so offering the same file again — after a crash, a kill or
// a dropped link, in a new session — finds the same partial with no other
// state. The prefix hash then decides what is reused.
//
// Limits against abuse: 10 s for the TLS handshake and hello; 64
// unauthenticated connections at once, at most 8 from one address; 8
// sessions at once, at most 2 from one address, which may make 30 offers a
// minute (known devices are exempt from the rate); more get "busy" without
// reaching a person. Offers expire after 2 minutes, and all writes go
// through os.Root on the download folder so no path or symlink can escape.
//
// Dropped links. A sender whose accepted session loses its link reconnects
// with backoff (default for 10 minutes) and offers the same session again;
// the receiver keeps the session parked for that long and continues it
// without asking again — also when a restarted sender offers the same
// content from the same device under a new session ID. If the resend
// arrives while the receiver still streams that session (the link died
// silently, or the receiver is still winding the old connection down, and
// the sender was quicker), the stale connection is ended as a drop and the
// new one continues from the receiver's offset.
//
// Swarm. A send to several Lempar receivers may be one swarm, in which the
// receivers pass pieces to each other; see swarm_doc.go.
package transfer
