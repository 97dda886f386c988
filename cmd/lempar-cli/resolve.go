package main

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/discovery"
	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// resolveTarget turns --to into a target: HOST:PORT as given (trust on
// first use), or a device name or ID prefix looked up among nearby devices
// (Lempar over mDNS, LocalSend by alias), then among known devices; either
// way pinned to the device's ID.
func resolveTarget(ctx context.Context, dev *app.Device, to string) (app.Target, error) {
	if host, port, err := net.SplitHostPort(to); err == nil && host != "" {
		if _, err := strconv.Atoi(port); err == nil {
			return app.Target{Addr: to}, nil
		}
	}
	if ip, err := netip.ParseAddr(strings.Trim(to, "[]")); err == nil {
		// A bare address: the port every Lempar listens on by default.
		return app.Target{Addr: net.JoinHostPort(ip.String(), strconv.Itoa(app.DefaultPort))}, nil
	}
	// Nearby devices first: their announced address is current, and the ID
	// they announce is pinned for the handshake.
	p, err := discoverPeer(ctx, dev.Discovery(), to)
	switch {
	case err == nil && p.Addr().IsValid():
		return app.Target{Addr: p.Addr().String(), ID: p.ID, Name: p.Name}, nil
	case errors.Is(err, discovery.ErrAmbiguous), errors.Is(err, context.Canceled):
		return app.Target{}, err
	}
	var matches []app.KnownDevice
	lower := strings.ToLower(to)
	for _, k := range dev.Trust.List() {
		if strings.EqualFold(k.DisplayName(), to) || strings.EqualFold(k.Name, to) ||
			(len(lower) >= discovery.MinIDPrefix && strings.HasPrefix(k.ID, lower)) {
			matches = append(matches, k)
		}
	}
	switch {
	case len(matches) == 1 && matches[0].LastAddr != "":
		k := matches[0]
		return app.Target{Addr: k.LastAddr, ID: k.ID, Name: k.DisplayName()}, nil
	case len(matches) > 1:
		names := make([]string, len(matches))
		for i, m := range matches {
			names[i] = m.DisplayName() + " (" + transfer.ShortID(m.ID) + ")"
		}
		return app.Target{}, &transfer.Error{Code: errcode.Ambiguous, Key: "cli.err.ambiguous", Args: []any{"Name", to, "List", strings.Join(names, ", ")}}
	}
	if isHex(lower) && len(lower) < discovery.MinIDPrefix {
		// No device has that name; read as an ID it is too short to trust.
		return app.Target{}, &transfer.Error{Code: errcode.NoSuchDevice, Key: "cli.err.id-prefix-short", Args: []any{"Flag", "--to", "Value", to, "Min", discovery.MinIDPrefix}}
	}
	return app.Target{}, &transfer.Error{Code: errcode.NoSuchDevice, Key: "cli.err.no-such-device", Args: []any{"Name", to}}
}

// checkIDPrefixes refuses --accept-from values that are not at least
// discovery.MinIDPrefix hex digits of a device ID: a shorter prefix can be
// matched by a stranger who grinds certificates.
func checkIDPrefixes(flag string, values []string) error {
	for _, v := range values {
		l := strings.ToLower(strings.TrimSpace(v))
		if !isHex(l) || len(l) < discovery.MinIDPrefix || len(l) > 64 {
			return &transfer.Error{Code: errcode.NoSuchDevice, Key: "cli.err.id-prefix-short", Args: []any{"Flag", flag, "Value", v, "Min", discovery.MinIDPrefix}}
		}
	}
	return nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}
