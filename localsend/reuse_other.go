//go:build !unix && !windows

package localsend

import "syscall"

func reuseControl(_, _ string, _ syscall.RawConn) error { return nil }
