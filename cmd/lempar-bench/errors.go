//go:build linux

package main

import (
	"errors"

	"github.com/lempar/lempar/internal/i18n"
)

// describe renders err in the reader's language when it can.
func describe(tr *i18n.Translator, err error) string { return i18n.Describe(tr, err) }

// exitError lets the benchmark choose its exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}

// benchError is a failure of the benchmark itself, in the user's language:
// Key is an i18n key, Args its placeholders, Err the cause if any.
type benchError struct {
	Key  string
	Args []any
	Err  error
}

func (e *benchError) Error() string { return e.Localize(i18n.Load("en")) }

func (e *benchError) Localize(tr *i18n.Translator) string {
	s := tr.T(e.Key, e.Args...)
	if e.Err != nil {
		s += " (" + describe(tr, e.Err) + ")"
	}
	return s
}

func (e *benchError) Unwrap() error { return e.Err }
