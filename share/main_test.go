package share_test

import (
	"os"
	"testing"

	"github.com/lempar/lempar/internal/netns"
)

// The tests serve on the LocalSend port and a browser opens it: they run
// in a private network namespace (see internal/netns).
func TestMain(m *testing.M) { os.Exit(netns.MainInLoopback(m)) }
