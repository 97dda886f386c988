package transfer

import (
	"net"
	"testing"
	"time"
)

// With unsent data capped, a write to a peer that reads nothing stops
// close to what the peer's window takes; without, it fills a send buffer
// of a megabyte or more: the sender's turns (swarm_slots.go) rely on it.
func TestNotSentLowatHoldsWrites(t *testing.T) {
	accepted := func(lowat int) int {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		peer, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer peer.Close() // never read
		if lowat > 0 {
			setNotSentLowat(newBatchConn(c), lowat)
		}
		if err := c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		n, _ := c.Write(make([]byte, 16<<20))
		return n
	}
	without, with := accepted(0), accepted(pushLowat)
	t.Logf("a peer that reads nothing: %d KiB accepted without the cap, %d KiB with it", without>>10, with>>10)
	if with >= without/2 {
		t.Fatalf("with unsent data capped at %d KiB, a write took %d KiB; without, %d KiB", pushLowat>>10, with>>10, without>>10)
	}
}
