// Package discovery finds nearby Lempar devices: mDNS/DNS-SD announce and
// browse, an expiring peer table keyed by device ID, and manual
// add-by-address for networks that block multicast.
//
// # Use
//
//	svc := discovery.New(discovery.Config{Self: discovery.Self{ID: id, Name: "Sari-PC", Port: 7313}})
//	go svc.Serve(ctx)                  // announce + browse until ctx ends (goodbye on the way out)
//	events, cancel := svc.Subscribe()  // PeerSeen for everyone present, then every change
//	peer, err := svc.Lookup("sari")    // name or ID prefix; ErrNotFound / ErrAmbiguous
//	peer, err = svc.AddByAddress(ctx, "192.168.1.12")
//	svc.SetVisibility(discovery.Visibility{Mode: discovery.Hidden})
//	svc.SetName("Sari's laptop")       // peers see PeerUpdated, same ID
//
// # On the wire
//
// Service _lempar._tcp.local., instance = device name, TXT "v=<protocol>",
// "id=<64 hex digits, SHA-256 of the device certificate>", "os=<GOOS>".
// The SRV target is lempar-<first 12 ID digits>.local., unique per device
// even where stock installs share a host name. When another device
// announces the same name, the one with the larger ID re-announces as
// "Name (<8 ID digits>)"; peers strip that suffix again for display, so both
// show under their chosen name and a lookup by it is reported as ambiguous.
// Announcing uses zeroconf's server (RegisterProxy, so the host name and
// the address list are ours), plus one immediate announcement of our own.
//
// # Quiet when idle (a classroom of 40)
//
// What a room costs grows with the number of devices, not its square:
//
//   - Heartbeats (heartbeat.go): each visible device multicasts its own
//     announcement every 4 s ± 0.4 s, over IPv4 where IPv4 works, else on
//     both families: 0.25 packets a second per device. A peer is probed only when it has been silent
//     for silenceBudget (9 s: two heartbeats lost), so nobody checks
//     everybody.
//   - Queries (query.go): zeroconf's browser is not used (it queries every
//     60 s without known answers, and every device answers). We send a
//     room query when our sockets open, a plain query 2 s later, then
//     plain queries after 8 s doubling to hourly; every query lists what
//     we know, ourselves included, as known answers. zeroconf's server
//     answers every query at once on both families but skips queries
//     with an authority section, so the room query carries one (a TXT
//     under a made-up name, as a probe would) and Lempar's monitors answer
//     it instead, 20–120 ms later and at most once a second each.
//   - Probes start at most every 20 ms (50 a second) per device.
//   - Start (a class opening its laptops at once): a peer whose own
//     announcement is heard (its TXT ID, an SRV naming lempar-<ID prefix>,
//     sent from an on-link address the records list) is listed at once,
//     reachable, without a first probe: the announcement is proof of life,
//     and identity is decided by the certificate at connect time either
//     way. Records of other programs (avahi, a printer) are probed first
//     as before; a Lempar announcement heard only from an address it
//     doesn't list (the IPv6 link-local copy) waits firstProbeWait (1 s)
//     for one that does, then is probed. So 40 devices starting together
//     cost no TCP at all among themselves.
//   - zeroconf's sockets carry a socket filter (queriesonly.go): they get
//     only queries without an authority section, the only packets its
//     server acts on, so a heartbeat wakes one socket per device, not two.
//   - The Serve loop has no clock tick (deadline.go): it sleeps until the
//     table's next deadline (a goodbye's grace, a probe's or a
//     confirmation's end, a peer's silence budget, an address expiring)
//     or its own (heartbeat, query, interface check every 5 s). A change
//     that sets an earlier deadline wakes it. In an idle room each peer's
//     heartbeat pushes its deadline back, so a device wakes for the
//     room's packets and its own heartbeat, not for a timer.
//   - LocalSend's periodic announcement goes out only while a LocalSend
//     app answers it (localsend/discover.go): a room of Lempar devices
//     doesn't wake each other with it.
//
// # Gaps in zeroconf this package closes
//
// zeroconf (github.com/grandcat/zeroconf at e4f60f8407b1) is used for its
// server: it answers the queries of avahi, Bonjour and older Lempar
// versions and says goodbye. Its browser reports each instance once and
// nothing after (goodbyes, crashes, TXT and address changes are lost), so
// browsing is ours: a monitor, our own socket on the mDNS port
// (SO_REUSEADDR, so it gets a copy of every packet), parses every response
// with github.com/miekg/dns, sends the queries and heartbeats, and answers
// room queries. The peer table (table.go
// and liveness.go, pure bookkeeping driven by explicit times) keys devices
// by ID and applies:
//
//   - Goodbye: a TTL-0 PTR or SRV for a peer's current instance removes it
//     after goodbyeGrace (0.5 s) unless it is heard again, which is how a
//     rename (old name's goodbye, new name announced at once) stays one
//     device.
//     The loop wakes at the grace's end, so a goodbye is acted on in 0.5 s.
//   - Silence: an mDNS peer not heard from for silenceBudget (9 s: its
//     heartbeats come every 4 s) gets a TCP connect probe; a device known
//     only by address is probed after 4 s of silence, growing to 8 s. If the
//     probe fails, its instance is re-queried over mDNS and probed again 1 s
//     later; with no answer within confirmWait (2 s) it is lost. Worst case
//     after a crash: 9 s + 1.5 s probe timeout + 2 s, under 13 s. A
//     peer whose mDNS records answer but whose engine does not (another
//     program's record, a firewall) stays listed as unreachable and is
//     checked less often, up to once a minute.
//   - Addresses: merged from every packet per device, kept at least 120 s and
//     as long as probes succeed there; a peer without addresses gets a
//     follow-up query (SRV and TXT of the instance, A and AAAA of the host).
//     Loopback addresses count only from packets that came over loopback,
//     link-local IPv6 gets the arrival interface as zone, and A/AAAA records
//     that come without an SRV are ignored when several devices share that
//     host name.
//   - Our own announcements are recognised by ID and ignored.
//
// Query rates: besides the browse schedule above, multicast queries go out
// only for an incomplete or silent peer, at most one per instance every
// 2 s. Steady-state liveness costs each device its own heartbeat and no
// probes.
//
// A PeerSeen for a device heard by its own announcement is sent at once,
// reachable; for other records once the first probe has answered (or
// failed), so it already says whether the engine is reachable. Devices from Config.Known
// and AddByAddress are identified through Config.Identify at their
// address, kept while probes succeed and retried (30 s backing off to
// 5 min) while missing. When such a device says goodbye on mDNS, one probe
// decides at once whether it only went hidden (kept) or quit (lost).
//
// The probes are plain TCP connects to the engine port that close without
// sending anything; the engine should treat a connection closed before the
// TLS handshake as routine and not log it as an error.
package discovery
