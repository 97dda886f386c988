package savedir

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
)

// Error is a failure of the download folder or of a file arriving in it,
// told the way the engine tells its own (transfer.Error): Code is stable for
// scripts and peers, the message is the code's i18n text with Args, and
// Error() gives English for logs. transfer.CodeOf and IsCode see Code.
type Error struct {
	Code errcode.Code
	Args []any // alternating name, value for the placeholders
	Err  error // underlying cause, if any
}

// Error renders the English text.
func (e *Error) Error() string { return e.Localize(english) }

// Localize renders the text in tr's language, with the cause in brackets
// in plain words ("the disk is full") unless it is localized itself; Go's
// raw text ("write /x: input/output error") is left to Detail.
func (e *Error) Localize(tr *i18n.Translator) string {
	s := tr.T(e.Code.Key(), e.Args...)
	var l interface{ Localize(*i18n.Translator) string }
	if e.Err != nil && !errors.As(e.Err, &l) {
		if k := errcode.CauseKey(e.Err); k != "" {
			s += " (" + tr.T(k) + ")"
		}
	}
	return s
}

// Detail is the raw text of the cause, for logs and scripts.
func (e *Error) Detail() string {
	var l interface{ Localize(*i18n.Translator) string }
	if e.Err == nil || errors.As(e.Err, &l) {
		return ""
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// english is read-only after init; the catalogs are embedded.
var english = i18n.Load("en")

func newErr(code errcode.Code, cause error, args ...any) *Error {
	return &Error{Code: code, Err: cause, Args: args}
}

// protocolError is for a sender whose bytes contradict what it announced.
func protocolError(format string, a ...any) *Error {
	return newErr(errcode.Protocol, nil, "Detail", fmt.Sprintf(format, a...))
}

// DiskErr explains a local file system failure at p (a path in or of the
// download folder): the disk is full, read-only, or failed otherwise.
func DiskErr(err error, p string) error {
	switch {
	case isNoSpace(err):
		return newErr(errcode.DiskFull, err, "Path", p)
	case errors.Is(err, fs.ErrPermission) || isReadOnly(err):
		return newErr(errcode.DiskReadOnly, err, "Path", p)
	}
	return newErr(errcode.DiskError, err, "Path", p)
}
