package uitest

import (
	"errors"
	"path/filepath"

	"github.com/lempar/lempar/ui/backend"
)

// Sharing is a Fake that also shares by link (backend.Sharer), for tests
// and screenshots of the share window. Its state is what SetShare gives;
// StartShare keeps it, naming the paths.
type Sharing struct {
	*Fake
	state    backend.ShareInfo
	onChange func()
	answered map[string]bool
	stopped  int
}

// NewSharing wraps f.
func NewSharing(f *Fake) *Sharing { return &Sharing{Fake: f, answered: map[string]bool{}} }

// SetShare sets what ShareState returns and tells the window.
func (s *Sharing) SetShare(st backend.ShareInfo) {
	s.mu.Lock()
	s.state = st
	fn := s.onChange
	s.mu.Unlock()
	if fn != nil {
		fn()
	}
}

func (s *Sharing) StartShare(paths []string, onChange func()) (backend.ShareInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onChange = onChange
	s.state.Active = true
	if len(s.state.Names) == 0 {
		for _, p := range paths {
			s.state.Names = append(s.state.Names, filepath.Base(p))
		}
	}
	return s.state, nil
}

func (s *Sharing) ShareState() backend.ShareInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

func (s *Sharing) AnswerShare(id string, allow bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.state.Requests {
		if r.ID == id && !r.Allowed {
			s.answered[id] = allow
			if allow {
				s.state.Requests[i].Allowed = true
			} else {
				s.state.Requests = append(s.state.Requests[:i], s.state.Requests[i+1:]...)
			}
			return nil
		}
	}
	return errors.New("no such browser waiting")
}

func (s *Sharing) StopShare() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = backend.ShareInfo{}
	s.stopped++
}

// ShareAnswers records AnswerShare calls: request ID → allowed.
func (s *Sharing) ShareAnswers() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	for k, v := range s.answered {
		out[k] = v
	}
	return out
}

// ShareStops counts StopShare calls.
func (s *Sharing) ShareStops() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}
