// Package ui is Lempar's Fyne desktop interface. It talks to the rest of the
// program only through the small Backend interface it defines.
package ui
