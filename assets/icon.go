package assets

import _ "embed"

// IconPNG is the 512×512 app icon, rendered from icon.svg with
// `rsvg-convert -w 512 -h 512 icon.svg -o icon.png`.
//
//go:embed icon.png
var IconPNG []byte
