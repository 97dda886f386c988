// Package assets holds the files Lempar ships inside its binaries: the
// translations shared by the CLI and the GUI, and the app icon.
package assets

import "embed"

// Translations holds translations/<locale>.json, flat maps from key to text.
// Both the CLI (through internal/i18n) and the GUI (through fyne's lang
// package) read these same files, so a string is translated once.
//
//go:embed translations/*.json
var Translations embed.FS
