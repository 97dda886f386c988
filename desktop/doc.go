// Package desktop joins the engine to the window: it implements ui.Backend
// on top of app.Node, discovery and transfer.
//
// It is a package of its own, not part of app/ as DESIGN.md first drew it,
// because ui.Backend's types live in package ui, which imports Fyne, and
// app/ must never link Fyne (the CLI builds on it). The adapter is the one
// place that knows both sides.
package desktop
