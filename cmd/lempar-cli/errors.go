package main

import (
	"errors"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
)

// describe renders err in the reader's language when it can.
func describe(tr *i18n.Translator, err error) string { return i18n.Describe(tr, err) }

// errorDetail is the raw low-level cause behind err ("dial tcp …: i/o
// timeout"), which messages put in plain words; --json keeps it for
// scripts and bug reports.
func errorDetail(err error) string {
	var d interface{ Detail() string }
	if errors.As(err, &d) {
		return d.Detail()
	}
	return ""
}

// exitError lets a command choose its exit status (2 = declined, etc.).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitFor is the exit status of a transfer that failed with an error of
// class c: declined (also expired, busy) 2, cancelled 3, anything else 1.
func exitFor(c errcode.Class) int {
	switch {
	case c.Refusal():
		return exitDeclined
	case c == errcode.ClassCancelled:
		return exitCancelled
	}
	return exitFailed
}

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}
