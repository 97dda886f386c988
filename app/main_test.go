package app

import (
	"os"
	"testing"

	"github.com/lempar/lempar/internal/netns"
)

// Devices under test announce and browse by multicast: the tests run
// inside a private network namespace (see internal/netns), never on the
// machine's network.
func TestMain(m *testing.M) { os.Exit(netns.MainInLoopback(m)) }
