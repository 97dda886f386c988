package errcode_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
)

func TestNamesRoundTrip(t *testing.T) {
	seen := map[string]errcode.Code{}
	for _, c := range errcode.All() {
		s := c.String()
		if s == "" || strings.HasPrefix(s, "errcode(") {
			t.Errorf("code %d has no name", c)
			continue
		}
		if prev, dup := seen[s]; dup {
			t.Errorf("codes %d and %d are both %q", prev, c, s)
		}
		seen[s] = c
		if got, ok := errcode.Parse(s); !ok || got != c {
			t.Errorf("Parse(%q) = %v, %v; want %d", s, got, ok, c)
		}
	}
}

// Every code's message exists in every language Lempar ships.
func TestEveryCodeHasMessage(t *testing.T) {
	for _, lang := range i18n.Locales {
		cat, err := i18n.Catalog(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range errcode.All() {
			if cat[c.Key()] == "" {
				t.Errorf("%s: no %q for code %s", lang, c.Key(), c)
			}
		}
	}
}

// The names are what scripts read; these must never change.
func TestStableNames(t *testing.T) {
	for c, want := range map[errcode.Code]string{
		errcode.Internal: "internal", errcode.Declined: "declined", errcode.Cancelled: "cancelled",
		errcode.PINMismatch: "pin-mismatch", errcode.NoSpacePeer: "no-space-peer",
		errcode.RemoteDiskReadOnly: "remote-disk-readonly", errcode.LocalSendPINRequired: "localsend-pin-required",
		errcode.NoSuchDevice: "no-such-device",
	} {
		if c.String() != want {
			t.Errorf("%d: %q, want %q", c, c.String(), want)
		}
	}
	b, _ := json.Marshal(map[string]any{"error_code": errcode.ConnectionLost})
	if string(b) != `{"error_code":"connection-lost"}` {
		t.Errorf("JSON: %s", b)
	}
}

func TestParseUnknown(t *testing.T) {
	for _, s := range []string{"", "declned", "DECLINED", " declined", "remote-", "errcode(3)", "\x00", strings.Repeat("x", 1<<16)} {
		if c, ok := errcode.Parse(s); ok || c != errcode.Internal {
			t.Errorf("Parse(%q) = %v, %v", s, c, ok)
		}
	}
	if c := errcode.Code(255); c.String() != "errcode(255)" || c.Class() != errcode.ClassFailed || c.Key() != "err.internal" || c.Remote() != errcode.RemoteError || c.IsRemote() {
		t.Errorf("out of range code misbehaves")
	}
}

func TestRemote(t *testing.T) {
	for _, tc := range []struct{ in, want errcode.Code }{
		{errcode.Busy, errcode.RemoteBusy},
		{errcode.NoSpace, errcode.RemoteNoSpace},
		{errcode.DiskReadOnly, errcode.RemoteDiskReadOnly},
		{errcode.Cancelled, errcode.RemoteCancelled},
		{errcode.PINMismatch, errcode.RemoteError},   // not something a peer reports
		{errcode.RemoteBusy, errcode.RemoteError},    // no "remote-remote-"
		{errcode.LocalSendBusy, errcode.RemoteError}, // not on this wire
	} {
		if got := tc.in.Remote(); got != tc.want || !got.IsRemote() {
			t.Errorf("%s.Remote() = %s", tc.in, got)
		}
	}
	if errcode.Busy.IsRemote() || errcode.Internal.IsRemote() {
		t.Error("local codes count as remote")
	}
}

func TestClasses(t *testing.T) {
	for c, want := range map[errcode.Code]errcode.Class{
		errcode.Declined: errcode.ClassDeclined, errcode.DeclinedLocal: errcode.ClassDeclined,
		errcode.RemoteNoSpace: errcode.ClassDeclined, errcode.Expired: errcode.ClassExpired,
		errcode.OfferExpired: errcode.ClassExpired, errcode.RemoteBusy: errcode.ClassBusy,
		errcode.PeerCancelled: errcode.ClassCancelled, errcode.RemoteCancelled: errcode.ClassCancelled,
		errcode.ConnectionLost: errcode.ClassFailed, errcode.Internal: errcode.ClassFailed,
		errcode.SourceMissing: errcode.ClassInvalid,
	} {
		if c.Class() != want {
			t.Errorf("%s: class %s, want %s", c, c.Class(), want)
		}
	}
	if !errcode.ClassBusy.Refusal() || errcode.ClassCancelled.Refusal() || errcode.ClassFailed.Refusal() {
		t.Error("Refusal")
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range errcode.All() {
		f.Add(c.String())
	}
	f.Add("")
	f.Add("remote-nope")
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := errcode.Parse(s)
		if ok != (c.String() == s) {
			t.Fatalf("Parse(%q) = %v, %v", s, c, ok)
		}
		if !ok && c != errcode.Internal {
			t.Fatalf("unknown %q gave %v", s, c)
		}
		_ = c.Remote().Key()
	})
}
