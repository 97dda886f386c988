//go:build linux

package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// parseSize reads sizes such as "2GiB", "512MiB", "4KiB", "1.5GB" or
// "1000". K, M, G and T alone are binary units, as in dd and ls.
func parseSize(s string) (int64, error) {
	bad := &benchError{Key: "cli.bench.err.size", Args: []any{"Value", s}}
	t := strings.ToLower(strings.TrimSpace(s))
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1 << 10, "ki": 1 << 10, "kib": 1 << 10, "kb": 1e3,
		"m": 1 << 20, "mi": 1 << 20, "mib": 1 << 20, "mb": 1e6,
		"g": 1 << 30, "gi": 1 << 30, "gib": 1 << 30, "gb": 1e9,
		"t": 1 << 40, "ti": 1 << 40, "tib": 1 << 40, "tb": 1e12,
	}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || v*mult < 1 || v*mult > 1<<50 {
		return 0, bad
	}
	return int64(v * mult), nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func maxOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return slices.Max(xs)
}

// randomBlock is incompressible data to write test files from; each block
// written is stamped with its index so no two blocks of a file are equal.
func randomBlock(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{'l', 'e', 'm', 'p', 'a', 'r'})
	_, _ = r.Read(b)
	return b
}

// writeDataFile writes size bytes and syncs them, so no writeback of the
// source competes with the measurements that follow.
func writeDataFile(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := randomBlock(4 << 20)
	for off, i := int64(0), uint64(0); off < size; i++ {
		n := min(int64(len(buf)), size-off)
		binary.LittleEndian.PutUint64(buf, i)
		if _, err := f.Write(buf[:n]); err != nil {
			return err
		}
		off += n
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// makeSmallFiles writes n files of size bytes, 100 to a folder, and syncs
// the file system once.
func makeSmallFiles(dir string, n int, size int64) error {
	block := randomBlock(int(max(size, 8)) + 4096)
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
		}
		b := block[i%4096 : i%4096+int(size)]
		if size >= 8 {
			b = slices.Clone(b)
			binary.LittleEndian.PutUint64(b, uint64(i))
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%04d.bin", i)), b, 0o644); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// syncDir flushes the whole file system holding dir (syncfs), which is how
// Lempar makes a batch of small files durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}

func freeBytes(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * st.Bsize, nil
}

// countFiles counts regular files under dir.
func countFiles(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n, err
}

// freshDir empties dir (creating it if needed).
func freshDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o755)
}

// sizeIEC shows sizes in the binary units the flags take ("2 GiB").
func sizeIEC(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
