package share

import "github.com/lempar/lempar/internal/i18n"

// Error is a share error a person reads: an i18n key with its arguments,
// rendered in the reader's language by i18n.Describe; Error() is English
// for logs.
type Error struct {
	Key  string
	Args []any
}

func (e *Error) Error() string { return e.Localize(i18n.Load("en")) }

// Localize renders the error in tr's language.
func (e *Error) Localize(tr *i18n.Translator) string { return tr.T(e.Key, e.Args...) }

func shareErr(key string, args ...any) error { return &Error{Key: key, Args: args} }
