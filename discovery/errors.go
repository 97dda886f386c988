package discovery

import (
	"errors"

	"github.com/lempar/lempar/internal/i18n"
)

// Sentinels for errors.Is; the *Error values that carry them explain the
// situation to the user.
var (
	ErrNotFound    = errors.New("discovery: no such device")
	ErrAmbiguous   = errors.New("discovery: name matches several devices")
	ErrSelf        = errors.New("discovery: that address is this device")
	ErrBadAddress  = errors.New("discovery: not a HOST[:PORT] address")
	ErrUnreachable = errors.New("discovery: no Lempar engine answered")
)

// Error is a user-facing discovery error: an i18n key with its arguments,
// the sentinel it matches and the underlying cause, if any.
type Error struct {
	Key     string
	Args    []any
	Kind    error
	Err     error
	Matches []Peer // for ErrAmbiguous: the candidates, so a UI can offer them
}

func (e *Error) Error() string                       { return i18n.Load("en").T(e.Key, e.Args...) }
func (e *Error) Localize(tr *i18n.Translator) string { return tr.T(e.Key, e.Args...) }
func (e *Error) Is(target error) bool                { return target == e.Kind }
func (e *Error) Unwrap() error                       { return e.Err }
