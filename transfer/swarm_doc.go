package transfer

// # Swarm: one send to a whole room (protocol 1, capability "swarm")
//
// A send to two or more Lempar devices (app.Device.Send, lempar-cli send
// --to A --to B …) is a swarm unless --no-swarm: the receivers pass pieces
// to each other, so the sender's uplink carries about one copy of the data
// however many receivers there are.
//
// Capability. Every hello carries caps (["swarm"] in this build). A target
// whose hello lacks it (an older Lempar) gets a direct transfer; LocalSend
// targets always do. So does a target that keeps only some items (partial
// accept).
//
// A swarm left with one accepter (the others declined, failed or went
// direct) runs as the sender's pieces to that one receiver and is reported
// as a direct transfer: no Event.Swarm, no "swarm" in --json.
//
// Consent. Each target gets its own session, offer, code and consent as in
// a direct send; the offer names the swarm ({…, swarm: "<uuid>"}). Those
// that accept form the swarm, in rosters, because people answer at their
// own pace: accepters join the open roster, which closes when every target
// has answered (accepted, declined, failed), 3 s after the latest answer
// once every offer is out (a target still being dialled is not a slow
// person), or 10 s after its first accepter, whichever comes first
// (swarm_send.go). Someone who accepts after that opens the next roster;
// each roster is a swarm of its own (same swarm ID, its own member list),
// and a roster of one is a direct transfer in all but framing. When its
// roster closes, the sender sends each of its accepters, over its own
// authenticated session:
//
//	11 manifest  {swarm, piece_size, you, members: [{id, addr}],
//	             files: [{item, size, digest}], hashes (base64, 32 bytes per piece)}
//
// Pieces. Each file is cut into pieces of piece_size: a power of two,
// 256 KiB (one frame) or smaller so that one piece is at most 1/8 of the
// send per other member (the ring's pipeline is n-1 pieces deep; at least
// 16 KiB); 1 MiB above ~40 GiB in all, 4 MiB above ~160 GiB; no swarm
// above ~650 GiB: at most 262,144 pieces, 100,000 files' short last
// pieces included). Piece k of the send is the k-th piece in offer order,
// file by file, a file's last piece shorter. The size is fixed when the
// send starts (the sender hashes while people decide), from the number of
// Lempar targets, so a roster smaller than the send has shorter pieces
// than it needs. hashes holds each piece's BLAKE3-256. A piece is verified
// against it before it is written or passed on; the files' BLAKE3-256
// digests are checked again over the written file before it is placed, as
// for a direct send.
//
// Links. Members reach each other at the Lempar port the sender dialled
// (members[i].addr), with the same mutual TLS: the dialler pins the
// member's ID, and its hello carries {swarm: "<uuid>"}. The member accepts
// a link only from an ID listed in the manifest of that swarm (not itself);
// anyone else gets error "not-member" and is closed before a piece is
// read. The members form a ring in manifest order: each dials its
// predecessor (member you-1, wrapping) and receives over that link; it
// serves on the links it accepted. While its predecessor has been
// unreachable for 2 s (a dial failed or was refused, or its link dropped;
// one still joining is not unreachable) it dials the one before that too,
// and so on back; once a nearer one is linked again the links further back
// are closed, since each would push every piece. On the sender's session
// and on links:
//
//	12 have     {bits (base64 bitmap, first with all pieces held) | add [k…]}
//	13 request  {piece}
//	14 piece    piece (uint32) | offset in piece (uint32) | bytes (≤ 256 KiB)
//	15 reject   {piece, code}
//
// A piece is sent whole, its frames back to back. Each side announces its
// full bitmap when a link opens, then the pieces it gains (see Schedule).
//
// Schedule (coordinated, not general BitTorrent): a pipelined ring. Piece
// k's owner is member k mod n. The sender pushes each member the pieces it
// owns and lacks, once: its uplink carries ≈ 1× the data. It pushes to four
// members at a time, a piece each, whole, taking turns (a member whose link
// stalls loses its turn after 1 s; swarm_slots.go), so the first pieces
// arrive at the link's rate and the ring starts at once. A member pushes
// each member that dialled it (its successor) every piece it holds that
// the successor lacks and does not own, lowest first, as each verifies:
// piece k travels sender → owner → owner+1 → … → owner-1, one piece
// behind at each hop. Every member's uplink carries (n-1)/n of
// the data and its downlink 1×, the least possible, over 2 links a member
// instead of 2(n-1); nobody asks for what is pushed. A member asks only
// for its own pieces, and only while the sender is away: from the nearest
// linked predecessor that has them. It asks the sender (which serves
// requests too) for a piece no linked member has when the piece's owner
// and every member from there to its own predecessor are known
// unreachable (link dropped, or a dial failed or was refused) for 3 s:
// such pieces cannot come round the ring, and it then pushes them on. A
// member that refuses as "not-member" before it ever took a link is still
// joining, not unreachable, for its first 15 s (else its share would come
// from the sender twice). At most 4 requests wait per link, 2 on the
// sender's session. Haves that nobody waits on go out every 500 ms or with
// the next frame; the one that completes a member's set goes out at once.
//
// Failure. A member that leaves stalls nobody: its successor links to the
// member before it within 2 s, and the pieces it owned come from whoever
// has them, else the sender. When the sender leaves, members finish from
// each other; a piece nobody holds waits for the sender's retry. A member
// that restarts is offered the same session again (the sender retries for
// RetryFor); the manifest comes again, and pieces already in its partial
// files are re-verified against their hashes and announced. A file this
// session already placed (the session's journal says where, placed.go;
// still with the offered size and mtime and the manifest's digest) counts
// as received and is served from there, not fetched and placed again as
// "name (1)". A direct receiver does the same for a retried session: it
// offers such a file as a resume of every byte. A piece that fails its
// hash drops the member that served it from this swarm (its links closed
// and refused) and is reported (Event.Swarm.Dropped); the member after the
// bad one in the ring is the one that sees it, and it then dials further
// back. A bad
// piece from the sender fails the session. A member that finished keeps
// serving until every member linked to it finished, and its successor has
// finished or been gone 30 s (at most 10 minutes).
//
// Acks. As each file is placed the member acks it on the sender's session
// (frame 6, as for a direct send); after the last ack the sender says bye.
//
// Disk. A member, like a direct receiver, starts the write-back of every
// 8 MiB it writes (writeback.go), so placing a file waits for little.
//
// Bounds. Manifests ≤ 16 MiB (at most 262,144 pieces), have/request/reject
// ≤ 1 MiB; pieces are read from and written to disk, assembled in a shared
// pool of 8 piece buffers per process: memory does not grow with the file
// size, and grows by well under 1 MiB per member.
//
// Progress. Event.Swarm is set on swarm sessions: on the sender, per
// target, Done is what the member holds (from its have frames) and Sent the
// bytes this sender sent it (the sum over targets is the sender's uplink);
// on a member, FromPeers is how much came from other members (Sent counts
// everything received), ToPeers how much it served them.
//
// lempar-cli send --json adds to each transfer event of a swarm target:
// "swarm": true, "swarm_members", "done", "sent" (bytes the sender sent this
// target); receive --json adds "swarm": true, "from_peers", "from_sender",
// "to_peers" (bytes), "swarm_dropped" (IDs). --no-swarm sends one direct transfer per target.
