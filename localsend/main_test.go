package localsend

import (
	"os"
	"testing"

	"github.com/lempar/lempar/internal/netns"
)

// The tests run in a private network namespace (see internal/netns):
// discovery multicasts, and must never do so on the machine's network.
func TestMain(m *testing.M) { os.Exit(netns.MainInLoopback(m)) }
