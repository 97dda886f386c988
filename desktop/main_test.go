package desktop

import (
	"os"
	"testing"

	"github.com/lempar/lempar/internal/netns"
)

// The tests run real devices, whose discovery multicasts: inside a private
// network namespace (see internal/netns), never on the machine's network.
func TestMain(m *testing.M) { os.Exit(netns.MainInLoopback(m)) }
