package app

import (
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// HistoryFile is the history's file name inside the config dir.
const HistoryFile = "history.json"

// MaxHistory bounds the history; older entries are dropped first.
const MaxHistory = 500

// Directions of a transfer.
const (
	DirectionIn  = "in"
	DirectionOut = "out"
)

// HistoryEntry is one finished (or abandoned) transfer.
type HistoryEntry struct {
	ID        string    `json:"id"`        // session UUID
	Direction string    `json:"direction"` // DirectionIn or DirectionOut
	PeerID    string    `json:"peerId"`
	PeerName  string    `json:"peerName"`
	Title     string    `json:"title"` // "report.pdf", "12 files", a text's first words
	Files     int       `json:"files"`
	Bytes     int64     `json:"bytes"`
	State     string    `json:"state"` // the engine's final state: done, declined, cancelled, failed
	Error     string    `json:"error,omitempty"`
	SavedTo   string    `json:"savedTo,omitempty"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished"`
}

// History is the persisted list of past transfers, safe for concurrent use.
type History struct {
	path string

	// mu guards entries and the file; each change is written out before mu
	// is released, so the file never goes back in time.
	mu      sync.Mutex
	entries []HistoryEntry // oldest first
}

type historyFile struct {
	Version int            `json:"version"`
	Entries []HistoryEntry `json:"entries"` // oldest first
}

// OpenHistory loads dir/history.json, like OpenTrustStore: a damaged file
// gives an empty, usable history together with a StoreError.
func OpenHistory(dir string) (*History, error) {
	h := &History{path: filepath.Join(dir, HistoryFile)}
	f, err := loadJSON(h.path, "err.store.corrupt.history", historyFile{})
	var se *StoreError
	if err != nil && !(errors.As(err, &se) && se.Corrupt()) {
		return nil, err
	}
	h.entries = trimHistory(f.Entries)
	return h, err
}

// Append adds e as the newest entry. An entry with the same non-empty ID is
// replaced, so recording a session again (a retry, a late final state) never
// shows it twice.
func (h *History) Append(e HistoryEntry) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.ID != "" {
		h.entries = slices.DeleteFunc(h.entries, func(o HistoryEntry) bool { return o.ID == e.ID })
	}
	h.entries = trimHistory(append(h.entries, e))
	return h.saveLocked()
}

// List returns the entries, newest first.
func (h *History) List() []HistoryEntry {
	h.mu.Lock()
	out := slices.Clone(h.entries)
	h.mu.Unlock()
	slices.Reverse(out)
	return out
}

// Clear forgets every entry.
func (h *History) Clear() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = nil
	return h.saveLocked()
}

func (h *History) saveLocked() error {
	entries := h.entries
	if entries == nil {
		entries = []HistoryEntry{}
	}
	return saveJSON(h.path, historyFile{Version: 1, Entries: entries})
}

// trimHistory keeps the newest MaxHistory entries, copying so the dropped
// ones don't stay reachable through the backing array.
func trimHistory(e []HistoryEntry) []HistoryEntry {
	if len(e) <= MaxHistory {
		return e
	}
	return slices.Clone(e[len(e)-MaxHistory:])
}
