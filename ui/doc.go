// Package ui is Lempar's Fyne desktop interface. It talks to the rest of the
// program only through the small Backend interface (defined in ui/backend,
// re-exported here); ui/uitest holds a fake Backend and demo data for tests.
package ui
