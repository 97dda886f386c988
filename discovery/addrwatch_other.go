//go:build !linux

package discovery

// watchAddrs has no event source here: the periodic interface check
// (netCheckEvery) notices new addresses instead.
func watchAddrs(chan<- struct{}) (stop func()) { return nil }
