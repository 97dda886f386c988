package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/lempar/lempar/internal/i18n"
)

// tr translates key, filling {{.Name}} placeholders from name, value pairs.
func tr(key string, pairs ...any) string {
	if len(pairs) < 2 {
		return lang.L(key)
	}
	data := make(map[string]any, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		data[fmt.Sprint(pairs[i])] = pairs[i+1]
	}
	return lang.L(key, data)
}

// formatBytes gives a size in decimal units ("1.2 GB"), as file managers do,
// with the decimal separator of the current language.
func formatBytes(n int64) string {
	if n < 1000 {
		return tr("ui.size.bytes", "N", n)
	}
	return i18n.FormatSize(n, lang.L("ui.fmt.decimal"))
}

// formatRate gives a transfer speed ("84.0 MB/s").
func formatRate(bytesPerSec float64) string {
	if bytesPerSec <= 0 {
		return ""
	}
	return formatBytes(int64(bytesPerSec)) + "/s"
}

// formatClock gives a duration as m:ss or h:mm:ss, the way players show time.
func formatClock(d time.Duration) string { return i18n.FormatClock(d) }

// formatCode groups the 6-digit verification code as "482 913" so it is easy
// to read aloud and compare.
func formatCode(code string) string {
	if len(code) == 6 {
		return code[:3] + " " + code[3:]
	}
	return code
}

// formatAgo says how long ago t was, coarsely: people only need to know
// whether a device is there now.
func formatAgo(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return lang.L("ui.ago.now")
	case d < time.Hour:
		return tr("ui.ago.minutes", "N", int(d/time.Minute))
	case d < 24*time.Hour:
		return tr("ui.ago.hours", "N", int(d/time.Hour))
	}
	return t.Format("2006-01-02")
}

// transferTitle names what moves: "report.pdf", "12 files" or a text snippet.
func transferTitle(t TransferInfo) string {
	if t.Count > 1 {
		return tr("ui.transfer.items", "Count", t.Count)
	}
	if t.Kind == KindText {
		return textSnippet(t.Text, 40)
	}
	if t.Name == "" {
		return lang.L("ui.transfer.unnamed")
	}
	return t.Name
}

// textSnippet shortens text to one line of at most n runes.
func textSnippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return lang.L("ui.transfer.text")
	}
	r := []rune(s)
	if len(r) > n {
		return "“" + string(r[:n-1]) + "…”"
	}
	return "“" + s + "”"
}

// osLabel names an operating system for people.
func osLabel(goos string) string {
	switch goos {
	case "linux":
		return "Linux"
	case "windows":
		return "Windows"
	case "darwin":
		return "macOS"
	case "android":
		return "Android"
	case "ios":
		return "iOS"
	}
	return ""
}
