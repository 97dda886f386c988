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

// HistoryEntry is one finished (or abandoned) transfer. It keeps what was
// sent and how it ended as facts (names, paths, an error's code and
// arguments), not sentences: the window words them in the language chosen
// when they are shown, which may differ from the one when they were written.
type HistoryEntry struct {
	ID        string `json:"id"`        // session UUID
	Direction string `json:"direction"` // DirectionIn or DirectionOut
	PeerID    string `json:"peerId"`
	PeerName  string `json:"peerName"`
	// Title is the one name that fits ("report.pdf"), written by versions
	// before Items; kept for their entries.
	Title string `json:"title,omitempty"`
	Files int    `json:"files"` // file items, folders' contents included
	Bytes int64  `json:"bytes"` // file bytes offered
	Done  int64  `json:"done,omitempty"`
	State string `json:"state"` // the engine's final state: done, declined, cancelled, failed

	// Skipped counts the files and texts the receiver's person unticked
	// (partial accept; Files and Bytes count the rest), SkippedItems names
	// them by top-level item.
	Skipped      int      `json:"skipped,omitempty"`
	SkippedItems []string `json:"skippedItems,omitempty"`

	// Error is an older version's English text; Err replaces it.
	Error string        `json:"error,omitempty"`
	Err   *HistoryError `json:"err,omitempty"`

	// What was offered, by top-level item: a file, a folder or a text.
	Kind  string   `json:"kind,omitempty"`  // KindFile, KindDir or KindText: the first item's
	Count int      `json:"count,omitempty"` // top-level items
	Items []string `json:"items,omitempty"` // their names, the first MaxHistoryItems
	Text  string   `json:"text,omitempty"`  // a text item's content

	// Received: SavedTo is the one item's own path, or the folder that holds
	// several; Paths are the top-level items' own paths (the names they got:
	// "report (1).pdf"); Dir is the download folder used.
	SavedTo string   `json:"savedTo,omitempty"`
	Paths   []string `json:"paths,omitempty"`
	Dir     string   `json:"dir,omitempty"`
	// Partials are the files an unfinished receive may have left in the
	// download folder's hidden partial folder, by name there, with the
	// size each will have: how the app tells whose they are.
	Partials map[string]int64 `json:"partials,omitempty"`
	// Sent: the top-level files and folders picked, so Retry works after a
	// restart.
	Sources []string `json:"sources,omitempty"`

	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
}

// Kinds of a history entry's items.
const (
	KindFile = "file"
	KindDir  = "dir"
	KindText = "text"
)

// MaxHistoryItems bounds the names an entry keeps: a title needs a few, and
// a folder of 100,000 photos is one item anyway.
const MaxHistoryItems = 20

// History is the persisted list of past transfers, safe for concurrent use.
type History struct {
	path string

	// mu guards entries and the file; each change is written out before mu
	// is released, so the file never goes back in time.
	mu      sync.Mutex
	entries []HistoryEntry // oldest first
	// notes hold what sessions in flight offer, until they are recorded.
	notes map[string]sessionNote
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
