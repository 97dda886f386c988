package testproc

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Grown is closed once a file matching pattern (a filepath.Glob pattern,
// e.g. the receiver's partial files) holds more than n bytes. Tests use it
// to act in the middle of a transfer whatever the machine's speed:
// progress events are throttled, and on a fast run the first one can come
// after the last byte. It polls every millisecond for up to 20 seconds, and
// reports a test error if nothing grew by then.
func Grown(t testing.TB, pattern string, n int64) <-chan struct{} {
	grown := make(chan struct{})
	ctx := t.Context()
	deadline := time.Now().Add(20 * time.Second)
	go func() {
		defer close(grown)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			matches, _ := filepath.Glob(pattern)
			for _, p := range matches {
				if st, err := os.Stat(p); err == nil && st.Size() > n {
					return
				}
			}
			time.Sleep(time.Millisecond) // polling, bounded by the deadline
		}
		if ctx.Err() == nil {
			t.Errorf("no file matching %s grew past %d bytes", pattern, n)
		}
	}()
	return grown
}
