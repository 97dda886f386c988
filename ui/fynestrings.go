package ui

import "embed"

// fyneStrings translates Fyne's own dialog words (Cancel, Open, Save, the
// file chooser) into Indonesian, which Fyne does not ship; without it an
// Indonesian window shows English buttons and logs a failure per word.
//
//go:embed fynestrings/*.json
var fyneStrings embed.FS
