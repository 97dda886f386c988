package discovery

import (
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Names on the wire. The instance label is the device name; the host name is
// derived from the ID so that two machines both called "debian" never
// answer for each other's addresses.
const (
	serviceType = "_lempar._tcp"
	domain      = "local."
	serviceName = serviceType + "." + domain // "_lempar._tcp.local."
	maxLabel    = 63                         // bytes in one DNS label
	idLen       = 64
)

// escapeLabel turns raw label bytes into the presentation form miekg/dns
// produces when it unpacks a name. zeroconf compares incoming question names
// with the string it was given, so the two must match byte for byte or
// lookups of our instance go unanswered.
func escapeLabel(raw string) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case strings.IndexByte(`. '@;()"\`, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			s := strconv.Itoa(int(c))
			b.WriteString(strings.Repeat("0", 3-len(s)) + s)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescapeLabel reverses escapeLabel ("Budi\'s\ PC" → "Budi's PC").
func unescapeLabel(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if i+3 < len(s) && isDigits(s[i+1:i+4]) {
			n, _ := strconv.Atoi(s[i+1 : i+4])
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// splitInstance takes an escaped owner name such as
// "Budi\ PC._lempar._tcp.local." and returns the escaped instance label, or
// false when the name is not a single-label instance of our service.
func splitInstance(owner string) (string, bool) {
	if len(owner) <= len(serviceName)+1 || !strings.EqualFold(owner[len(owner)-len(serviceName):], serviceName) {
		return "", false
	}
	inst := owner[:len(owner)-len(serviceName)-1]
	if owner[len(inst)] != '.' || escaped(inst, len(inst)) {
		return "", false
	}
	for i := 0; i < len(inst); i++ {
		if inst[i] == '.' && !escaped(inst, i) {
			return "", false
		}
	}
	return inst, true
}

// escaped reports whether s[i] is preceded by an odd number of backslashes.
func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// instanceLabel is the raw instance name for a device: its name cut to fit a
// label, with the ID prefix appended when another device already uses it.
func instanceLabel(name, id string, suffixed bool) string {
	name = strings.TrimSpace(strings.ToValidUTF8(name, "?"))
	if name == "" {
		name = "Lempar"
	}
	limit := maxLabel
	suffix := ""
	if suffixed {
		suffix = " (" + shortID(id) + ")"
		limit -= len(suffix)
	}
	for len(name) > limit {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name + suffix
}

// displayName drops the suffix instanceLabel adds, so two devices that share
// a name show that name and a lookup by it is reported as ambiguous rather
// than silently picking one.
func displayName(rawInstance, id string) string {
	suffix := " (" + shortID(id) + ")"
	if id != "" && strings.HasSuffix(rawInstance, suffix) && len(rawInstance) > len(suffix) {
		return rawInstance[:len(rawInstance)-len(suffix)]
	}
	return rawInstance
}

// hostLabel is the announced host name (without ".local."): unique per
// device, stable across restarts.
func hostLabel(id string) string {
	if len(id) > 12 {
		id = id[:12]
	}
	return "lempar-" + id
}

// txtFor is the TXT record we announce.
func txtFor(s Self) []string {
	return []string{"v=" + s.Proto, "id=" + s.ID, "os=" + s.OS}
}

// txtInfo is what a TXT record says about a device.
type txtInfo struct {
	id, os, proto string
}

// parseTXT reads our keys; keys are case-insensitive (RFC 6763 6.4) and the
// first occurrence wins (6.4 again).
func parseTXT(txt []string) txtInfo {
	var t txtInfo
	seen := map[string]bool{}
	for _, kv := range txt {
		k, v, _ := strings.Cut(kv, "=")
		k = strings.ToLower(k)
		if seen[k] {
			continue
		}
		seen[k] = true
		switch k {
		case "id":
			t.id = strings.ToLower(v)
		case "os":
			t.os = v
		case "v":
			t.proto = v
		}
	}
	return t
}

func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func defaultOS(os string) string {
	if os == "" {
		return runtime.GOOS
	}
	return os
}
