//go:build linux

package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/zeebo/blake3"
)

// measure is one thing the benchmark times in its own process.
type measure struct {
	id  string
	run func() (time.Duration, error)
}

// primitives measures, in this process and on one goroutine each, the
// pieces a large transfer is made of, as MB/s and CPU seconds per GB: the
// AES-GCM seal of TLS 1.3 records (Go picks AES-128-GCM when the CPU has
// AES instructions; the reference's row names the suite it got), BLAKE3
// over Lempar's 256 KiB chunks (Lempar hashes every byte on both sides),
// and 1 MiB writes into a new file on the scratch disk with one fsync.
func (b *bench) primitives(ctx context.Context) error {
	return b.inProcess(ctx, "primitive", []measure{
		{id: "aes-128-gcm", run: func() (time.Duration, error) { return sealAll(16, b.size) }},
		{id: "aes-256-gcm", run: func() (time.Duration, error) { return sealAll(32, b.size) }},
		{id: "blake3", run: func() (time.Duration, error) { return hashAll(b.size), nil }},
		{id: "write-fsync", run: func() (time.Duration, error) { return writeSync(b.path("disk.bin"), b.size) }},
	})
}

// inProcess runs each measure b.f.runs times, in turn, and adds a row of
// medians for each, with the CPU this process used per GB moved.
func (b *bench) inProcess(ctx context.Context, kind string, ms []measure) error {
	rates := make([][]float64, len(ms))
	cpus := make([][]float64, len(ms))
	for run := 1; run <= b.f.runs; run++ {
		for i, m := range ms {
			if err := ctx.Err(); err != nil {
				return err
			}
			before := selfCPU()
			d, err := m.run()
			cpu := selfCPU() - before
			if err != nil {
				return benchErr("cli.bench.err.ceiling", fmt.Sprintf("%s: %v", b.label(m.id), err))
			}
			r, g := mbps(b.size, d.Seconds()), perGB(cpu, b.size)
			rates[i], cpus[i] = append(rates[i], r), append(cpus[i], g)
			b.sayRun(run, b.label(m.id), fmt.Sprintf("%.0f MB/s, CPU %.2f s/GB", r, g))
		}
	}
	for i, m := range ms {
		med := median(rates[i])
		b.add(benchResult{Scenario: m.id, Kind: kind, Label: b.label(m.id), Bytes: b.size,
			Seconds: float64(b.size) / 1e6 / med, MBps: med, Samples: rates[i], CPUPerGB: ptr(median(cpus[i]))})
	}
	return nil
}

// selfCPU is the user and system CPU time of this process so far, all
// threads together (children not included).
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// tlsRecord is the plaintext of a full TLS record.
const tlsRecord = 16 << 10

// sealAll encrypts size bytes in place as TLS 1.3 does: AES-GCM with a
// keyLen-byte key, one seal per 16 KiB record, a fresh nonce each.
func sealAll(keyLen int, size int64) (time.Duration, error) {
	block, err := aes.NewCipher(randomBlock(keyLen))
	if err != nil {
		return 0, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return 0, err
	}
	rec := randomBlock(tlsRecord + aead.Overhead())
	payload := rec[:tlsRecord]
	nonce := make([]byte, aead.NonceSize())
	n := tlsRecord + 1 + aead.Overhead() // content type byte and tag
	header := []byte{23, 3, 3, byte(n >> 8), byte(n & 0xff)}
	start := time.Now()
	for off, seq := int64(0), uint64(0); off < size; off, seq = off+tlsRecord, seq+1 {
		binary.BigEndian.PutUint64(nonce[len(nonce)-8:], seq)
		aead.Seal(payload[:0], nonce, payload, header)
	}
	return time.Since(start), nil
}

// hashChunk is what Lempar hashes at a time (transfer.ChunkSize less its
// frame header, near enough).
const hashChunk = 256 << 10

// hashAll hashes size bytes with BLAKE3, hashChunk at a time.
func hashAll(size int64) time.Duration {
	buf := randomBlock(hashChunk)
	h := blake3.New()
	start := time.Now()
	for off := int64(0); off < size; off += hashChunk {
		_, _ = h.Write(buf[:min(int64(len(buf)), size-off)])
	}
	_ = h.Sum(nil)
	return time.Since(start)
}

// writeSync times writing size bytes into a new file, 1 MiB at a time,
// and fsyncing it: what the disk allows.
func writeSync(path string, size int64) (time.Duration, error) {
	buf := randomBlock(ceilingBuf)
	start := time.Now()
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer os.Remove(path)
	for off := int64(0); off < size; {
		n := min(int64(len(buf)), size-off)
		if _, err := f.Write(buf[:n]); err != nil {
			f.Close()
			return 0, err
		}
		off += n
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
