package discovery

import (
	"fmt"
	"time"
)

// DefaultVisibleFor is how long "visible for a while" lasts unless the user
// picks another duration.
const DefaultVisibleFor = 10 * time.Minute

// VisibilityMode is whether this device announces itself.
type VisibilityMode uint8

const (
	// Visible announces the device on every interface for as long as it runs.
	Visible VisibilityMode = iota
	// Hidden sends no announcement and answers no query. Browsing goes on,
	// and devices that already know the address can still send.
	Hidden
	// VisibleUntil announces until Visibility.Until, then behaves as Hidden.
	VisibleUntil
)

// Visibility is a mode plus, for VisibleUntil, the moment it ends. The zero
// value is Visible. It is a plain value so settings can store it as is.
type Visibility struct {
	Mode  VisibilityMode `json:"mode"`
	Until time.Time      `json:"until,omitzero"`
}

// VisibleFor returns a visibility that ends d after now.
func VisibleFor(now time.Time, d time.Duration) Visibility {
	return Visibility{Mode: VisibleUntil, Until: now.Add(d)}
}

// Announcing reports whether the device should be announced at now.
func (v Visibility) Announcing(now time.Time) bool {
	switch v.Mode {
	case Visible:
		return true
	case VisibleUntil:
		return now.Before(v.Until)
	}
	return false
}

// Effective folds an expired VisibleUntil into Hidden, so callers show what
// is really happening.
func (v Visibility) Effective(now time.Time) Visibility {
	if v.Mode == VisibleUntil && !now.Before(v.Until) {
		return Visibility{Mode: Hidden}
	}
	return v
}

func (v Visibility) String() string {
	switch v.Mode {
	case Visible:
		return "visible"
	case Hidden:
		return "hidden"
	case VisibleUntil:
		return "visible until " + v.Until.Format(time.TimeOnly)
	}
	return fmt.Sprintf("visibility(%d)", uint8(v.Mode))
}
