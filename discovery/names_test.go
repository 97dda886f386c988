package discovery

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/miekg/dns"
)

func TestEscapeMatchesMiekgUnpack(t *testing.T) {
	for _, name := range []string{"Sari-PC", "Budi's ThinkPad", "a.b", `back\slash`, "Café ☕", "semi;colon (x) @home \"q\""} {
		esc := escapeLabel(name)
		// Pack the escaped form as zeroconf does, unpack as a peer does:
		// the peer must see exactly the string we gave zeroconf, or
		// zeroconf will not answer questions about our instance.
		m := new(dns.Msg)
		m.SetQuestion(esc+"."+serviceName, dns.TypeSRV)
		buf, err := m.Pack()
		if err != nil {
			t.Fatalf("%q: pack: %v", name, err)
		}
		var back dns.Msg
		if err := back.Unpack(buf); err != nil {
			t.Fatalf("%q: unpack: %v", name, err)
		}
		got := back.Question[0].Name
		if got != esc+"."+serviceName {
			t.Fatalf("%q: wire round trip gave %q, want %q", name, got, esc+"."+serviceName)
		}
		inst, ok := splitInstance(got)
		if !ok || unescapeLabel(inst) != name {
			t.Fatalf("%q: splitInstance/unescape gave %q %v", name, unescapeLabel(inst), ok)
		}
	}
}

func TestSplitInstance(t *testing.T) {
	for owner, want := range map[string]string{
		"Sari._lempar._tcp.local.":           "Sari",
		`a\.b._lempar._tcp.local.`:           `a\.b`,
		`x\\._lempar._tcp.local.`:            `x\\`,
		"Sari._LEMPAR._tcp.Local.":           "Sari",
		"_lempar._tcp.local.":                "",
		"x._sub._lempar._tcp.local.":         "",
		"Sari._http._tcp.local.":             "",
		`ends\._lempar._tcp.local.`:          "",
		"printer._ipp._tcp._lempar._tcp.lan": "",
	} {
		got, ok := splitInstance(owner)
		if got != want || ok != (want != "") {
			t.Errorf("splitInstance(%q) = %q, %v; want %q", owner, got, ok, want)
		}
	}
}

func TestInstanceLabel(t *testing.T) {
	id := testID('c')
	if got := instanceLabel("  Budi  ", id, false); got != "Budi" {
		t.Fatalf("got %q", got)
	}
	if got := instanceLabel("Budi", id, true); got != "Budi (cccccccc)" {
		t.Fatalf("got %q", got)
	}
	if got := displayName(instanceLabel("Budi", id, true), id); got != "Budi" {
		t.Fatalf("display %q", got)
	}
	if got := displayName("Budi (cccccccc)", idA); got != "Budi (cccccccc)" {
		t.Fatalf("someone else's suffix was stripped: %q", got)
	}
	long := strings.Repeat("é", 40) // 80 bytes
	for _, suffixed := range []bool{false, true} {
		got := instanceLabel(long, id, suffixed)
		if len(got) > maxLabel || !utf8.ValidString(got) {
			t.Fatalf("label %q: %d bytes, valid %v", got, len(got), utf8.ValidString(got))
		}
	}
	if instanceLabel("", id, false) == "" {
		t.Fatal("empty name gives an empty label")
	}
}

func TestParseTXT(t *testing.T) {
	got := parseTXT([]string{"V=1", "ID=" + strings.ToUpper(idA), "os=darwin", "id=" + idB, "junk"})
	if got.id != idA || got.proto != "1" || got.os != "darwin" {
		t.Fatalf("got %+v", got)
	}
	if validID("abc") || validID(strings.Repeat("g", idLen)) || !validID(idA) {
		t.Fatal("validID")
	}
}
