//go:build !windows

package errcode

// platformCauseKey: the syscall names in CauseKey are the system's own here.
func platformCauseKey(error) string { return "" }
