// Package share is "Share via link": files and folders the person chose,
// served to any browser on the network (and to LocalSend clients through
// the protocol's download API, v2.1 §5) on the LocalSend port, over HTTPS,
// and over HTTP when the LocalSend HTTP setting allows it.
//
// # Consent
//
// Opening the link shows a page that asks for the files
// (POST /api/localsend/v2/prepare-download). Each asking browser is a
// session with a random ID (UUID v4 from crypto/rand) that the person
// allows or declines in the window; the request waits for that answer
// (2 minutes at most, then 403). A PIN, when one is set, is checked before
// anyone is asked (401; 429 after five wrong tries from one address within
// five minutes). The allowed session's ID comes back in the JSON (LocalSend
// clients put it in download URLs) and in an HttpOnly cookie (a reload of
// the page needs no second consent); it is bound to the address it was
// allowed from. At most 8 browsers wait at once (2 per address), 64 are
// allowed, 16 downloads stream at once.
//
// # Files
//
// The share's own list is built when it starts: chosen files, and the
// regular files under chosen folders (links inside folders are skipped,
// never followed), each with a random file ID. Downloads name a file only
// by that ID; no path from a request is ever opened, so "..", encoded or
// absolute paths have nothing to act on, and IDs of another (earlier)
// share are unknown. A single file streams from disk with its length; "all"
// is a zip written straight from disk into the response (stored, names
// slash-separated and sanitised, no temporary copy).
//
// # Stop
//
// Stop ends it at once: waiting browsers get 403, downloads in flight are
// cut (their connection is dropped, so a browser sees a failed download,
// never a short file that looks complete), and every session and file ID
// is forgotten. A stopped link serves a "sharing has ended" page and
// nothing else.
package share
