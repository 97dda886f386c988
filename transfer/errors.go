package transfer

import (
	"errors"
	"fmt"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/savedir"
)

// Error is an engine error a person will read. It carries an i18n key and
// arguments so the CLI and GUI can show it in the user's language, while
// Error() gives English for logs. Code is stable for scripts (--json).
type Error struct {
	Code errcode.Code // e.g. errcode.Declined; its String is the stable text
	Key  string       // i18n key, Code.Key() ("err.<code>") unless set
	Args []any        // alternating name, value for the placeholders
	Err  error        // underlying cause, if any
}

func (e *Error) key() string {
	if e.Key != "" {
		return e.Key
	}
	return e.Code.Key()
}

// Error renders the English text.
func (e *Error) Error() string { return e.Localize(english) }

// Localize renders the text in tr's language. A cause that is no message
// of ours is told in plain words ("no answer in time"), never as Go's raw
// text ("dial tcp …: i/o timeout"), or not at all; Detail keeps the raw text.
func (e *Error) Localize(tr *i18n.Translator) string {
	s := tr.T(e.key(), e.Args...)
	if e.Err != nil && !isLocalized(e.Err) {
		if k := errcode.CauseKey(e.Err); k != "" {
			s += " (" + tr.T(k) + ")"
		}
	}
	return s
}

// Detail is the raw text of the low-level cause behind e ("" if none), for
// logs and scripts (--json "error_detail"), not for people.
func (e *Error) Detail() string {
	if e.Err == nil {
		return ""
	}
	var d interface{ Detail() string }
	if errors.As(e.Err, &d) {
		return d.Detail()
	}
	if isLocalized(e.Err) {
		return ""
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

func isLocalized(err error) bool {
	var l interface{ Localize(*i18n.Translator) string }
	return errors.As(err, &l)
}

// english is read-only after init; the catalogs are embedded, so this is a
// constant in all but name.
var english = i18n.Load("en")

func newErr(code errcode.Code, cause error, args ...any) *Error {
	return &Error{Code: code, Err: cause, Args: args}
}

// IsCode reports whether err is an engine Error (or a download folder's
// savedir.Error) with the given code.
func IsCode(err error, code errcode.Code) bool {
	c, ok := codeOf(err)
	return ok && c == code
}

// CodeOf returns the engine code of err (an Error's, or a download folder's
// savedir.Error's), or errcode.Internal.
func CodeOf(err error) errcode.Code {
	c, _ := codeOf(err)
	return c
}

// IsEngineError reports whether err carries an engine code: an Error, or a
// savedir.Error from the download folder.
func IsEngineError(err error) bool {
	_, ok := codeOf(err)
	return ok
}

func codeOf(err error) (errcode.Code, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	var se *savedir.Error
	if errors.As(err, &se) {
		return se.Code, true
	}
	return errcode.Internal, false
}

// ClassOf returns the class of err's code (errcode.ClassFailed for an error
// that is not an engine Error).
func ClassOf(err error) errcode.Class { return CodeOf(err).Class() }

// EndState is the final state of a transfer that ended with err, judged by
// the code alone: done, declined (refused, expired, busy), cancelled or
// failed.
func EndState(err error) State {
	if err == nil {
		return StateDone
	}
	switch c := ClassOf(err); {
	case c.Refusal():
		return StateDeclined
	case c == errcode.ClassCancelled:
		return StateCancelled
	}
	return StateFailed
}

// protocolError is for a peer that broke the wire rules; it is always fatal
// for the session.
func protocolError(format string, a ...any) *Error {
	return newErr(errcode.Protocol, nil, "Detail", fmt.Sprintf(format, a...))
}
