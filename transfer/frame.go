package transfer

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"io"
	"sync/atomic"
	"time"
)

// FrameType is the first byte of every frame.
type FrameType byte

const (
	FrameHello    FrameType = 1
	FrameOffer    FrameType = 2
	FrameDecision FrameType = 3
	FrameData     FrameType = 4
	FrameFileDone FrameType = 5
	FrameAck      FrameType = 6
	FrameCancel   FrameType = 7
	FrameError    FrameType = 8
	FramePing     FrameType = 9
	FrameBye      FrameType = 10
)

const (
	frameHeaderLen = 5 // type byte + uint32 length

	// ChunkSize is the data carried by one data frame. 256 KiB keeps syscalls
	// and hashing in large blocks while the pipeline needs only a few MiB.
	ChunkSize = 256 << 10
	// dataHeaderLen is item (uint32) + offset (uint64) inside a data frame.
	dataHeaderLen = 12
	// dataPrefix is the room a sender leaves in front of a chunk so the
	// frame's headers go in place and the frame is one write.
	dataPrefix = frameHeaderLen + dataHeaderLen
	// directWriteMin: data frames at least this big go straight to the
	// connection; smaller ones coalesce in the buffer (many small files).
	directWriteMin = 64 << 10
	// MaxControl bounds every control message (hello, decision, ack, …).
	MaxControl = 1 << 20
	// MaxOffer bounds the offer, the one control message that grows with the
	// number of files: 16 MiB fits ~100k items, a big photo library.
	MaxOffer = 16 << 20
)

// maxPayload is the largest payload a frame of type t may carry; 0 means the
// type is unknown. Checked before anything is allocated or read.
func maxPayload(t FrameType) int {
	switch t {
	case FrameData:
		return dataHeaderLen + ChunkSize
	case FrameOffer:
		return MaxOffer
	case FramePiece:
		return pieceHeaderLen + ChunkSize
	case FrameManifest:
		return MaxOffer
	case FrameHave, FrameRequest, FrameReject:
		return MaxControl
	case FrameHello, FrameDecision, FrameFileDone, FrameAck, FrameCancel, FrameError, FramePing, FrameBye:
		return MaxControl
	}
	return 0
}

// frameReader reads frames into a reusable buffer, so steady-state data
// frames allocate nothing. It reads the connection directly, without a
// bufio.Reader: a tls.Conn already holds one decrypted record and hands out
// any part of it without a system call, so a buffer on top only copied
// every byte once more (a frame's last records went through it).
type frameReader struct {
	r       io.Reader
	conn    deadliner
	timeout time.Duration
	buf     []byte
	// stopAt, when set (Unix ns), replaces the idle deadline: the session
	// is closing and reads only drain what the peer still sends.
	stopAt atomic.Int64
}

// stop makes every read from now on end by t.
func (fr *frameReader) stop(t time.Time) {
	fr.stopAt.Store(t.UnixNano())
	if fr.conn != nil {
		_ = fr.conn.SetReadDeadline(t)
	}
}

func (fr *frameReader) setDeadline() {
	if fr.conn == nil {
		return
	}
	if at := fr.stopAt.Load(); at != 0 {
		_ = fr.conn.SetReadDeadline(time.Unix(0, at))
	} else if fr.timeout > 0 {
		_ = fr.conn.SetReadDeadline(time.Now().Add(fr.timeout))
	}
}

type deadliner interface{ SetReadDeadline(time.Time) error }

func newFrameReader(r io.Reader, conn deadliner, timeout time.Duration) *frameReader {
	return &frameReader{r: r, conn: conn, timeout: timeout}
}

// next returns the next frame. The payload is valid until the next call.
func (fr *frameReader) next() (FrameType, []byte, error) {
	fr.setDeadline()
	return readFrame(fr.r, &fr.buf)
}

// readFrame is the decoder shared by both ends and the fuzzer.
func readFrame(r io.Reader, buf *[]byte) (FrameType, []byte, error) {
	t, n, err := readHeader(r)
	if err != nil {
		return 0, nil, err
	}
	if cap(*buf) < n {
		// Grow to a chunk at once so a peer can't make us reallocate on
		// every slightly larger frame.
		*buf = make([]byte, n, max(n, dataHeaderLen+ChunkSize))
	}
	p := (*buf)[:n]
	return t, p, readPayload(r, p)
}

// readHeader reads and checks a frame header; nothing is allocated for a
// frame that breaks the limits.
func readHeader(r io.Reader) (FrameType, int, error) {
	var hdr [frameHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, 0, err
	}
	t := FrameType(hdr[0])
	n := binary.BigEndian.Uint32(hdr[1:])
	limit := maxPayload(t)
	if limit == 0 {
		return 0, 0, protocolError("unknown frame type %d", t)
	}
	if int64(n) > int64(limit) {
		return 0, 0, protocolError("frame type %d of %d bytes exceeds the limit of %d", t, n, limit)
	}
	return t, int(n), nil
}

func readPayload(r io.Reader, p []byte) error {
	if _, err := io.ReadFull(r, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// nextInto is next, except that a data frame is read into a buffer from get
// (which may fail, e.g. when the session ends) so it can be handed to the
// writer goroutine without a copy. owned reports whether p is that buffer.
func (fr *frameReader) nextInto(get func() ([]byte, error)) (t FrameType, p []byte, owned bool, err error) {
	fr.setDeadline()
	t, n, err := readHeader(fr.r)
	if err != nil {
		return 0, nil, false, err
	}
	if t == FrameData {
		buf, err := get()
		if err != nil {
			return 0, nil, false, err
		}
		p = buf[:n]
		return t, p, true, readPayload(fr.r, p)
	}
	if cap(fr.buf) < n {
		fr.buf = make([]byte, n)
	}
	p = fr.buf[:n]
	return t, p, false, readPayload(fr.r, p)
}

// frameWriter serialises frames from several goroutines (data streaming,
// acks, keepalives) onto one connection.
type frameWriter struct {
	// sem is a one-slot semaphore guarding w and lastWrite for a whole
	// frame; a channel rather than a mutex so a canceller can give up
	// waiting (see session.sendFinal).
	sem       chan struct{}
	w         *bufio.Writer
	raw       io.Writer // under w, for large data frames
	conn      interface{ SetWriteDeadline(time.Time) error }
	timeout   time.Duration
	lastWrite time.Time
}

func newFrameWriter(w io.Writer, conn interface{ SetWriteDeadline(time.Time) error }, timeout time.Duration) *frameWriter {
	return &frameWriter{w: bufio.NewWriterSize(w, ChunkSize+64<<10), raw: w, conn: conn, timeout: timeout, sem: make(chan struct{}, 1)}
}

func (fw *frameWriter) deadline() {
	if fw.conn != nil && fw.timeout > 0 {
		_ = fw.conn.SetWriteDeadline(time.Now().Add(fw.timeout))
	}
}

// tryLock takes the writer within d, or reports false.
func (fw *frameWriter) tryLock(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case fw.sem <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

// control writes a JSON control message and flushes it.
func (fw *frameWriter) control(t FrameType, msg any) error { return fw.writeControl(t, msg, true) }

// controlNoFlush queues a control message behind data frames (file-done).
func (fw *frameWriter) controlNoFlush(t FrameType, msg any) error {
	return fw.writeControl(t, msg, false)
}

func (fw *frameWriter) writeControl(t FrameType, msg any, flush bool) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	fw.sem <- struct{}{}
	defer func() { <-fw.sem }()
	fw.deadline()
	if err := writeHeader(fw.w, t, len(b)); err != nil {
		return err
	}
	if _, err := fw.w.Write(b); err != nil {
		return err
	}
	if !flush {
		return nil
	}
	fw.lastWrite = time.Now()
	return fw.w.Flush()
}

// data writes one data frame; see dataFrame.
func (fw *frameWriter) data(item uint32, offset uint64, p []byte) error {
	frame := make([]byte, dataPrefix+len(p))
	copy(frame[dataPrefix:], p)
	return fw.dataFrame(item, offset, frame)
}

// dataFrame writes a data frame whose payload is frame[dataPrefix:]; the
// headers are filled in in front of it. Small frames are not flushed, so
// small files coalesce into large TLS records (flush() pushes them out when
// the stream pauses); a large one skips the buffer, saving a copy of every
// byte of a big file.
func (fw *frameWriter) dataFrame(item uint32, offset uint64, frame []byte) error {
	n := len(frame) - dataPrefix
	frame[0] = byte(FrameData)
	binary.BigEndian.PutUint32(frame[1:frameHeaderLen], uint32(dataHeaderLen+n))
	binary.BigEndian.PutUint32(frame[frameHeaderLen:], item)
	binary.BigEndian.PutUint64(frame[frameHeaderLen+4:], offset)
	fw.sem <- struct{}{}
	defer func() { <-fw.sem }()
	fw.deadline()
	fw.lastWrite = time.Now()
	if n < directWriteMin {
		_, err := fw.w.Write(frame)
		return err
	}
	if fw.w.Buffered() > 0 {
		if err := fw.w.Flush(); err != nil {
			return err
		}
	}
	_, err := fw.raw.Write(frame)
	return err
}

func (fw *frameWriter) flush() error {
	fw.sem <- struct{}{}
	defer func() { <-fw.sem }()
	fw.deadline()
	return fw.w.Flush()
}

// idleFor reports how long nothing was written, for keepalives.
func (fw *frameWriter) idleFor() time.Duration {
	fw.sem <- struct{}{}
	defer func() { <-fw.sem }()
	return time.Since(fw.lastWrite)
}

func writeHeader(w io.Writer, t FrameType, n int) error {
	var hdr [frameHeaderLen]byte
	hdr[0] = byte(t)
	binary.BigEndian.PutUint32(hdr[1:], uint32(n))
	_, err := w.Write(hdr[:])
	return err
}

// parseData splits a data frame payload.
func parseData(p []byte) (item uint32, offset uint64, data []byte, err error) {
	if len(p) < dataHeaderLen {
		return 0, 0, nil, protocolError("data frame of %d bytes is shorter than its header", len(p))
	}
	return binary.BigEndian.Uint32(p[:4]), binary.BigEndian.Uint64(p[4:12]), p[dataHeaderLen:], nil
}
