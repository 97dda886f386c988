package errcode

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"syscall"
)

// CauseKey is the i18n key of a plain description of err, a low-level cause
// behind one of our messages ("dial tcp …: i/o timeout", "EOF",
// "write …: no space left on device"), or "" when there is none worth
// showing. Messages show the description in brackets instead of the raw
// Go text, which a person can't act on; the raw text stays available to
// logs and scripts (--json "error_detail").
func CauseKey(err error) string {
	if err == nil {
		return ""
	}
	if k := platformCauseKey(err); k != "" {
		return k
	}
	var ne net.Error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return "err.cause.timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "err.cause.refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EHOSTDOWN), errors.Is(err, syscall.ENETDOWN):
		return "err.cause.no-route"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return "err.cause.closed"
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return "err.cause.disk-full"
	case errors.Is(err, syscall.EROFS):
		return "err.cause.read-only"
	case errors.Is(err, fs.ErrPermission):
		return "err.cause.permission"
	case errors.Is(err, fs.ErrNotExist):
		return "err.cause.not-found"
	case errors.Is(err, syscall.EIO):
		return "err.cause.io"
	}
	return ""
}
