//go:build !windows

package savedir

// hide: the leading dot of PartialDir hides it on Unix-like systems.
func hide(string) {}
