package i18n

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// FormatSize gives a size the way file managers do, in SI units ("1.2 GB",
// like macOS and GNOME, so numbers match what people see elsewhere), with
// decimal as the decimal separator. The GUI, the CLI and error messages all
// use it, so one size reads the same everywhere.
func FormatSize(n int64, decimal string) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"kB", "MB", "GB", "TB", "PB", "EB"}
	v := float64(n) / 1000
	u := 0
	for v >= 999.5 && u < len(units)-1 { // "1000 kB" reads as a unit too small
		v /= 1000
		u++
	}
	s := fmt.Sprintf("%.1f", v)
	if math.Round(v*10) >= 1000 { // from 100 on a decimal only adds noise
		s = fmt.Sprintf("%.0f", v)
	}
	return strings.Replace(s, ".", decimal, 1) + " " + units[u]
}

// FormatClock gives a duration as m:ss or h:mm:ss, the way players show time.
func FormatClock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s < 0 {
		s = 0
	}
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// Size is FormatSize in this translator's language ("1,2 GB" in
// Indonesian; small sizes in words: "999 byte").
func (t *Translator) Size(n int64) string {
	if n < 1000 {
		return t.T("ui.size.bytes", "N", n)
	}
	return FormatSize(n, t.T("ui.fmt.decimal"))
}
