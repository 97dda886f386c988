package localsend

import (
	"context"
	"errors"
	"io"
	"sync"
)

// chunked joins the X-Content-Range pieces of one file into the single
// stream the inbox reads: ReceiveFile runs in its own goroutine on the read
// end of a pipe, and each piece's request body is copied into the write
// end. Pieces must come in order, one at a time (claim enforces that).
type chunked struct {
	busy bool  // a piece is being copied; guarded by rxSession.mu
	next int64 // offset the next piece must start at; written by the piece in flight

	pw     *io.PipeWriter
	result chan chunkResult
}

var errPieceTooLong = errors.New("piece is longer than its range")

type chunkResult struct {
	saved string
	err   error
}

func (c *chunked) start(ctx context.Context, wg *sync.WaitGroup, receive func(io.Reader) (string, error)) {
	pr, pw := io.Pipe()
	c.pw, c.result = pw, make(chan chunkResult, 1)
	// Between pieces the reader waits on the pipe; a cancelled session
	// must wake it.
	stop := context.AfterFunc(ctx, func() { pw.CloseWithError(context.Cause(ctx)) })
	wg.Add(1) // the session closes its inbox only after this goroutine
	go func() {
		defer wg.Done()
		defer stop()
		saved, err := receive(pr)
		pr.CloseWithError(errors.New("file ended"))
		c.result <- chunkResult{saved, err}
	}()
}

// feed copies exactly n bytes of body into the file; one byte more is an
// error, as for a whole-file upload.
func (c *chunked) feed(body io.Reader, n int64) error {
	m, err := io.CopyN(c.pw, body, n)
	c.next += m
	if err != nil {
		c.pw.CloseWithError(err)
		return c.failure(err)
	}
	var one [1]byte
	if k, _ := body.Read(one[:]); k > 0 {
		c.pw.CloseWithError(errPieceTooLong)
		return c.failure(errPieceTooLong)
	}
	return nil
}

// failure prefers the inbox's own verdict (a disk error, say) to the
// pipe's.
func (c *chunked) failure(err error) error {
	r := <-c.result
	if r.err != nil && !errors.Is(err, errPieceTooLong) {
		return r.err
	}
	return err
}

// finish closes the stream after the last piece and waits for the verdict.
func (c *chunked) finish() (string, error) {
	c.pw.Close()
	r := <-c.result
	return r.saved, r.err
}
