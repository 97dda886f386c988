//go:build !(linux || freebsd || openbsd || netbsd)

package ui

// portalPick: the XDG desktop portal is a Linux and BSD desktop service;
// elsewhere Lempar's own chooser is used.
func portalPick(pickRequest) ([]string, error) { return nil, errNoPortal }
