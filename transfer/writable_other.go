//go:build !unix

package transfer

// canWrite can't be known on this system without writing; the first write
// reports a read-only folder instead.
func canWrite(string) error { return nil }
