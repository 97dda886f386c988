// Package buildinfo is the one place the app version comes from. Release
// builds stamp it with -ldflags "-X github.com/lempar/lempar/internal/buildinfo.Version=…".
package buildinfo

// Version is overwritten at link time by the Makefile from the VERSION file.
var Version = "0.1.0-dev"
