package errcode_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
)

// Go's raw errors become a plain cause, in every shipped language.
func TestCauseKey(t *testing.T) {
	op := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: err}}
	}
	cases := map[string]error{
		"err.cause.timeout":    op(os.ErrDeadlineExceeded),
		"err.cause.refused":    op(syscall.ECONNREFUSED),
		"err.cause.no-route":   op(syscall.EHOSTUNREACH),
		"err.cause.closed":     fmt.Errorf("reading: %w", io.ErrUnexpectedEOF),
		"err.cause.disk-full":  &fs.PathError{Op: "write", Path: "/x", Err: syscall.ENOSPC},
		"err.cause.read-only":  &fs.PathError{Op: "open", Path: "/x", Err: syscall.EROFS},
		"err.cause.permission": &fs.PathError{Op: "open", Path: "/x", Err: syscall.EACCES},
		"err.cause.not-found":  &fs.PathError{Op: "open", Path: "/x", Err: syscall.ENOENT},
		"err.cause.io":         &fs.PathError{Op: "write", Path: "/x", Err: syscall.EIO},
	}
	if k := errcode.CauseKey(fmt.Errorf("x: %w", context.DeadlineExceeded)); k != "err.cause.timeout" {
		t.Errorf("a context deadline: %q", k)
	}
	for want, err := range cases {
		if got := errcode.CauseKey(err); got != want {
			t.Errorf("CauseKey(%v) = %q, want %q", err, got, want)
		}
		for _, lang := range i18n.Locales {
			cat, _ := i18n.Catalog(lang)
			if cat[want] == "" {
				t.Errorf("%s: no %q", lang, want)
			}
		}
	}
	if k := errcode.CauseKey(fmt.Errorf("something odd")); k != "" {
		t.Errorf("an unknown cause got %q", k)
	}
}
