package transfer

import (
	"bytes"
	"errors"
	"net"
	"testing"
)

// countConn records each Write it gets.
type countConn struct {
	net.Conn
	writes [][]byte
	fail   error
}

func (c *countConn) Write(p []byte) (int, error) {
	if c.fail != nil {
		return 0, c.fail
	}
	c.writes = append(c.writes, append([]byte(nil), p...))
	return len(p), nil
}

func TestBatchConn(t *testing.T) {
	cc := &countConn{}
	bc := newBatchConn(cc)
	// Outside begin/end a write goes straight through.
	if _, err := bc.Write([]byte("alert")); err != nil || len(cc.writes) != 1 {
		t.Fatalf("unbatched write: %v, %d writes", err, len(cc.writes))
	}
	// Between begin and end, records collect and leave in one write, in order.
	bc.begin()
	var want []byte
	for i := range 16 {
		rec := bytes.Repeat([]byte{byte(i)}, 16<<10+22)
		want = append(want, rec...)
		if _, err := bc.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if len(cc.writes) != 1 {
		t.Fatalf("records left before end: %d writes", len(cc.writes))
	}
	if err := bc.end(); err != nil {
		t.Fatal(err)
	}
	if len(cc.writes) != 2 || !bytes.Equal(cc.writes[1], want) {
		t.Fatalf("want the 16 records in one write, got %d writes", len(cc.writes)-1)
	}
	// More than the buffer holds: flushed on the way, nothing lost or reordered.
	bc.begin()
	want = want[:0]
	for i := range 40 {
		rec := bytes.Repeat([]byte{byte(i)}, 16<<10+22)
		want = append(want, rec...)
		_, _ = bc.Write(rec)
	}
	big := bytes.Repeat([]byte{7}, batchConnSize+1)
	want = append(want, big...)
	_, _ = bc.Write(big)
	if err := bc.end(); err != nil {
		t.Fatal(err)
	}
	if got := bytes.Join(cc.writes[2:], nil); !bytes.Equal(got, want) {
		t.Fatalf("overflowing batch: %d bytes written, want %d in order", len(got), len(want))
	}
	// A failed write fails every later one, batched or not.
	boom := errors.New("boom")
	cc.fail = boom
	bc.begin()
	_, _ = bc.Write([]byte("x"))
	if err := bc.end(); !errors.Is(err, boom) {
		t.Fatalf("end after a failed socket: %v", err)
	}
	cc.fail = nil
	if _, err := bc.Write([]byte("y")); !errors.Is(err, boom) {
		t.Fatalf("write after a failure: %v", err)
	}
}

// TestSenderFramesOneWriteEach: a data frame from the sender reaches the
// socket in one write, not one per TLS record.
func TestSenderFramesOneWriteEach(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	cc := &countConn{Conn: a}
	bc := newBatchConn(cc)
	w := batchWriter{tls: recordSplitter{bc}, bc: bc}
	fw := newFrameWriter(w, nil, 0)
	frame := make([]byte, ChunkSize)
	if err := fw.dataFrame(0, 0, frame); err != nil {
		t.Fatal(err)
	}
	if len(cc.writes) != 1 || len(cc.writes[0]) != ChunkSize {
		t.Fatalf("a %d-byte frame took %d writes", ChunkSize, len(cc.writes))
	}
}

// recordSplitter writes like crypto/tls does: 16 KiB at a time.
type recordSplitter struct{ w *batchConn }

func (r recordSplitter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), 16<<10)
		m, err := r.w.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}
