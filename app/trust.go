package app

import (
	"cmp"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lempar/lempar/internal/i18n"
)

// TrustFile is the trust store's file name inside the config dir.
const TrustFile = "known-devices.json"

// KnownDevice is a device this one has exchanged files with. Its ID (the
// SHA-256 of its certificate) is what is trusted; names are only labels.
type KnownDevice struct {
	ID       string `json:"id"`
	Name     string `json:"name"` // as the device announces itself
	Nickname string `json:"nickname,omitempty"`
	LastAddr string `json:"lastAddr,omitempty"` // host:port it was last reached at
	// AutoAccept lets this device's offers in without asking.
	AutoAccept bool      `json:"autoAccept"`
	FirstSeen  time.Time `json:"firstSeen"`
	LastSeen   time.Time `json:"lastSeen"`
}

// DisplayName is what to show for d: the user's nickname for it if they gave
// one, else the name it announces, else the start of its ID.
func (d KnownDevice) DisplayName() string {
	switch {
	case d.Nickname != "":
		return d.Nickname
	case d.Name != "":
		return d.Name
	case len(d.ID) > 12:
		return d.ID[:12] + "…"
	}
	return d.ID
}

// ErrUnknownDevice is matched (errors.Is) by the error for an ID that is not
// in the trust store.
var ErrUnknownDevice = errors.New("no known device with that ID")

type unknownDeviceError struct{ id string }

func (e *unknownDeviceError) Error() string { return e.Localize(i18n.Load("en")) }
func (e *unknownDeviceError) Localize(tr *i18n.Translator) string {
	return tr.T("err.trust.unknown", "ID", e.id)
}
func (e *unknownDeviceError) Is(target error) bool { return target == ErrUnknownDevice }

// TrustStore is the list of known devices, kept in known-devices.json. It is
// safe for concurrent use.
type TrustStore struct {
	path string

	// mu guards devices and the file. Each change is written out before mu
	// is released, so the file always holds the newest state and two writers
	// never interleave.
	mu      sync.Mutex
	devices map[string]KnownDevice
}

// trustFile is the on-disk shape; a version lets a later Lempar migrate.
type trustFile struct {
	Version int           `json:"version"`
	Devices []KnownDevice `json:"devices"`
}

// OpenTrustStore loads dir/known-devices.json. A missing file is an empty
// store. A damaged one is moved aside and an empty, usable store comes back
// together with a StoreError (Corrupt() is true) for the user to see; on
// other errors the store is nil.
func OpenTrustStore(dir string) (*TrustStore, error) {
	s := &TrustStore{path: filepath.Join(dir, TrustFile), devices: map[string]KnownDevice{}}
	f, err := loadJSON(s.path, "err.store.corrupt.trust", trustFile{})
	var se *StoreError
	if err != nil && !(errors.As(err, &se) && se.Corrupt()) {
		return nil, err
	}
	for _, d := range f.Devices {
		if d.ID != "" {
			s.devices[d.ID] = d
		}
	}
	return s, err
}

// Get returns the device with id.
func (s *TrustStore) Get(id string) (KnownDevice, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[id]
	return d, ok
}

// List returns all known devices sorted by display name.
func (s *TrustStore) List() []KnownDevice {
	s.mu.Lock()
	out := make([]KnownDevice, 0, len(s.devices))
	for _, d := range s.devices {
		out = append(out, d)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b KnownDevice) int {
		return cmp.Or(
			cmp.Compare(strings.ToLower(a.DisplayName()), strings.ToLower(b.DisplayName())),
			cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Remember records contact with d.ID and returns the stored record. For a
// known device it updates Name and LastAddr (when given) and LastSeen, and
// keeps AutoAccept, Nickname and FirstSeen: a peer can't grant itself
// auto-accept by announcing it. A new device is stored as given. LastSeen
// (and FirstSeen for a new device) default to now.
func (s *TrustStore) Remember(d KnownDevice) (KnownDevice, error) {
	if d.ID == "" {
		return KnownDevice{}, errors.New("app: Remember needs a device ID")
	}
	d.Name = cleanDeviceName(d.Name) // it came from the network
	now := d.LastSeen
	if now.IsZero() {
		now = time.Now()
	}
	// Kept in UTC without the monotonic reading, so the record in memory is
	// the one a reload gives back.
	now = now.UTC().Round(0)
	d.FirstSeen = d.FirstSeen.UTC().Round(0)
	s.mu.Lock()
	defer s.mu.Unlock()
	old, known := s.devices[d.ID]
	if !known {
		if d.FirstSeen.IsZero() {
			d.FirstSeen = now
		}
		d.LastSeen = now
		s.devices[d.ID] = d
		return d, s.saveLocked()
	}
	if d.Name != "" {
		old.Name = d.Name
	}
	if d.LastAddr != "" {
		old.LastAddr = d.LastAddr
	}
	if now.After(old.LastSeen) {
		old.LastSeen = now
	}
	s.devices[d.ID] = old
	return old, s.saveLocked()
}

// SetAutoAccept turns auto-accept on or off for a known device.
func (s *TrustStore) SetAutoAccept(id string, on bool) error {
	return s.update(id, func(d *KnownDevice) { d.AutoAccept = on })
}

// Rename sets the user's own name for a known device; it wins over the name
// the device announces, which Remember keeps updating underneath. An empty
// name goes back to the announced one.
func (s *TrustStore) Rename(id, name string) error {
	return s.update(id, func(d *KnownDevice) { d.Nickname = cleanDeviceName(name) })
}

func (s *TrustStore) update(id string, change func(*KnownDevice)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[id]
	if !ok {
		return &unknownDeviceError{id: id}
	}
	change(&d)
	s.devices[id] = d
	return s.saveLocked()
}

// Forget removes a device, so its next offer is asked about and its name no
// longer counts for NameClash. Forgetting an unknown ID does nothing.
func (s *TrustStore) Forget(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.devices[id]; !ok {
		return nil
	}
	delete(s.devices, id)
	return s.saveLocked()
}

// NameClash reports whether name is the name (announced or given by the
// user) of a known device other than id: someone may be posing as it. The
// caller warns and never auto-accepts. Case and surrounding spaces are
// ignored, since "sari-pc" and "Sari-PC " look alike on screen.
func (s *TrustStore) NameClash(name, id string) bool {
	name = strings.TrimSpace(name)
	if name == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.ID == id {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(d.Name), name) || strings.EqualFold(d.Nickname, name) {
			return true
		}
	}
	return false
}

// saveLocked writes the store; s.mu must be held. On failure the change
// stays in memory, so Lempar behaves as asked until it quits.
func (s *TrustStore) saveLocked() error {
	f := trustFile{Version: 1, Devices: make([]KnownDevice, 0, len(s.devices))}
	for _, d := range s.devices {
		f.Devices = append(f.Devices, d)
	}
	slices.SortFunc(f.Devices, func(a, b KnownDevice) int { return cmp.Compare(a.ID, b.ID) })
	return saveJSON(s.path, f)
}
