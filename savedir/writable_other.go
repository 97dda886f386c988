//go:build !unix

package savedir

// CanWrite can't be known on this system without writing; the first write
// reports a read-only folder instead.
func CanWrite(string) error { return nil }
