package transfer

import (
	"time"

	"github.com/lempar/lempar/internal/i18n"
)

// HumanBytes formats a size for logs and error details: i18n.FormatSize
// with a decimal point ("1.2 GB").
func HumanBytes(n int64) string { return i18n.FormatSize(n, ".") }

// HumanDuration formats an ETA: "0:07", "12:30", "1:02:03".
func HumanDuration(d time.Duration) string { return i18n.FormatClock(d) }
