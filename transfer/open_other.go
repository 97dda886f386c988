//go:build !linux

package transfer

import "os"

// openSource opens a file to send (see open_linux.go).
func openSource(name string) (*os.File, error) { return os.Open(name) }
