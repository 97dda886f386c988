// Package uitest is test support for the window: Fake, an in-memory
// ui.Backend that records what the window asks for and delivers the events
// its owner emits, and demo data (made-up devices, an offer, transfers,
// history) for the ui tests, their rendered snapshots and cmd/lempar-shots.
// It touches neither the network nor the disk, and it depends only on
// ui/backend, so package ui's own tests can use it.
package uitest
