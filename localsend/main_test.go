package localsend

import (
	"os"
	"testing"

	"github.com/lempar/lempar/internal/netns"
)

// The tests run in a private network namespace (see internal/netns):
// discovery multicasts, and must never do so on the machine's network.
// With envRxHelper set, the binary is a receiver process for a memory test
// (see rxHelper), already inside the namespace of the test that started it.
func TestMain(m *testing.M) {
	if os.Getenv(envRxHelper) != "" {
		os.Exit(rxHelper())
	}
	os.Exit(netns.MainInLoopback(m))
}
