package desktop

import (
	"github.com/lempar/lempar/internal/i18n"
)

// liveTr is the language of everything the backend words (engine errors,
// history, the firewall hint): the person's setting, read at each use, so
// a change in Settings applies at once and the system's locale decides only
// while the setting is "system".
type liveTr struct {
	system *i18n.Translator
	b      *Backend
}

// get returns the translator for the language chosen now.
func (l *liveTr) get() *i18n.Translator {
	if l.b == nil || l.b.dev == nil {
		return l.system
	}
	switch lang := l.b.dev.Settings().Language; lang {
	case "", "system":
		return l.system
	default:
		return i18n.Load(i18n.Normalize(lang))
	}
}

// T is get().T.
func (l *liveTr) T(key string, args ...any) string { return l.get().T(key, args...) }
