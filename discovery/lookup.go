package discovery

import (
	"strconv"
	"strings"
)

// MinIDPrefix is the shortest ID prefix that names a device: 32 hex digits
// (128 bits). A short prefix can be ground: a stranger makes certificates
// until one's hash starts with it (8 digits take about a minute on one core).
const MinIDPrefix = 32

// Lookup finds one peer by name (case-insensitive, exact) or by a prefix of
// its ID (at least 4 hex digits). A name match wins over an ID-prefix
// match. No match is ErrNotFound; several are ErrAmbiguous, with the
// candidates in Error.Matches.
func (s *Service) Lookup(query string) (Peer, error) {
	return lookup(s.Peers(), query)
}

// Hears reports whether the device id has live mDNS records in the table,
// listed yet or not (its first probe may still be on its way).
func (s *Service) Hears(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.table.peers[id]
	return e != nil && e.mdns
}

// Lists reports whether the device id is listed, as Peers would show it:
// a map lookup, for callers on a hot path (every LocalSend announcement)
// that would otherwise copy and sort the whole table.
func (s *Service) Lists(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.table.peers[id]
	return e != nil && e.announced
}

func lookup(peers []Peer, query string) (Peer, error) {
	q := strings.TrimSpace(query)
	var byName, byID []Peer
	if q != "" {
		lq := strings.ToLower(q)
		hex := len(lq) >= MinIDPrefix && isHex(lq)
		for _, p := range peers {
			switch {
			case strings.EqualFold(p.Name, q):
				byName = append(byName, p)
			case hex && strings.HasPrefix(p.ID, lq):
				byID = append(byID, p)
			}
		}
	}
	matches := byName
	if len(matches) == 0 {
		matches = byID
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return Peer{}, &Error{Key: "discovery.err.not_found", Args: []any{"Query", q}, Kind: ErrNotFound}
	}
	list := make([]string, len(matches))
	for i, p := range matches {
		list[i] = p.Name + " (" + p.ShortID() + ")"
	}
	return Peer{}, &Error{
		Key:     "discovery.err.ambiguous",
		Args:    []any{"Query", q, "Count", strconv.Itoa(len(matches)), "List", strings.Join(list, ", ")},
		Kind:    ErrAmbiguous,
		Matches: matches,
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
