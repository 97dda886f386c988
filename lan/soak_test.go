package lan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// TestSoak sends over and over for LEMPAR_SOAK_DURATION (default 10 min):
// big files, folders of small files with a text, two senders at once, and
// now and then a sender killed halfway and sent again (resume). Every
// transfer is checked. Afterwards the receiver's memory, threads, open
// files and goroutines must come back to where they were after warming up.
// Only with LEMPAR_SOAK=1 (make soak): it is too long for every run.
func TestSoak(t *testing.T) {
	requireSuite(t)
	if os.Getenv("LEMPAR_SOAK") != "1" {
		t.Skip("skipping: the soak runs with LEMPAR_SOAK=1 (make soak)")
	}
	duration := 10 * time.Minute
	if v := os.Getenv("LEMPAR_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("LEMPAR_SOAK_DURATION: %q is not a duration", v)
		}
		duration = d
	}
	// Three hosts on plain links and three at 300 Mbit/s take turns, so
	// that no host offers faster than the receiver's per-address limit
	// (a burst of 10, then 30 a minute) allows.
	const pairs = 3
	l := netns.New(t, 2*pairs+1)
	rxHost := 2 * pairs
	for h := pairs; h < 2*pairs; h++ {
		shapeHost(t, l, h, "300mbit")
	}

	tmp := t.TempDir()
	big := filepath.Join(tmp, "src", "big.bin")
	bigSum := writeData(t, big, 64<<20, 7)
	mid := [2]string{filepath.Join(tmp, "src", "mid-a.bin"), filepath.Join(tmp, "src", "mid-b.bin")}
	midSum := [2]string{writeData(t, mid[0], 16<<20, 8), writeData(t, mid[1], 16<<20, 9)}
	tree := filepath.Join(tmp, "src", "Foto Liburan")
	for i := range 100 {
		writeData(t, filepath.Join(tree, fmt.Sprintf("sub%d", i%4), fmt.Sprintf("IMG_%04d.jpg", i)), 64<<10, uint64(1000+i))
	}
	treeSum := treeHash(t, tree)
	cfg := make([]string, 2*pairs)
	for h := range cfg {
		cfg[h] = filepath.Join(tmp, fmt.Sprintf("tx%d", h))
	}

	dl := filepath.Join(tmp, "dl")
	rx := startReceiver(t, l, rxHost, dl, nil, "--yes")
	// A twin receiver that only warms up: its goroutine dump is the
	// baseline for the soaked one's (goroutines are not in /proc).
	twinDL := filepath.Join(tmp, "twin-dl")
	twin := startReceiver(t, l, rxHost, twinDL, nil, "--yes")

	send := func(host int, to *receiver, args ...string) *testproc.Proc {
		return startSend(t, l, host, cfg[host], to.addr, args...)
	}
	expectOK := func(ps ...*testproc.Proc) {
		t.Helper()
		for _, p := range ps {
			if code := p.Exit(5 * time.Minute); code != 0 {
				fin, _ := p.LastFinal()
				t.Fatalf("%s: exit %d: %s", p.Name, code, fin.Str("error"))
			}
		}
	}
	checkAndClear := func(dir string, files map[string]string) {
		t.Helper()
		for name, sum := range files {
			p := filepath.Join(dir, name)
			got := ""
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				got = treeHash(t, p)
			} else {
				got = fileHash(p)
			}
			if got != sum {
				t.Fatalf("%s differs after the transfer", name)
			}
		}
		if ps := partials(dir); len(ps) != 0 {
			t.Fatalf("partials left: %v", ps)
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	var transfers, resumes int
	var bytes int64
	round := func(i int, to *receiver) {
		t.Helper()
		fast, slow := i%pairs, pairs+i%pairs
		switch {
		case i%10 == 9:
			// Killed halfway, then sent again: the second send resumes.
			from := len(to.Events())
			p := send(slow, to, big)
			to.WaitFrom(from, time.Minute, "half received", func(e testproc.Event) bool {
				return e.Str("event") == "transfer" && e.Num("done") >= 32<<20
			})
			if err := syscall.Kill(p.Pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			p.Exit(10 * time.Second)
			// Until the receiver has noticed, the partial belongs to the
			// old session and a new one would start over beside it.
			to.WaitFrom(from, 30*time.Second, "the receiver noticing", func(e testproc.Event) bool { return e.Str("state") == "retrying" })
			p = send(slow, to, big)
			expectOK(p)
			if fin, _ := p.LastFinal(); fin.Num("sent") >= 48<<20 {
				t.Fatalf("the send after a kill moved %d bytes; most of the file was there already", fin.Num("sent"))
			}
			checkAndClear(to.dir, map[string]string{"big.bin": bigSum})
			resumes++
			bytes += 64 << 20
		case i%3 == 0:
			expectOK(send(fast, to, big))
			checkAndClear(to.dir, map[string]string{"big.bin": bigSum})
			bytes += 64 << 20
		case i%3 == 1:
			expectOK(send(slow, to, "--text", fmt.Sprintf("putaran %d", i), tree))
			checkAndClear(to.dir, map[string]string{"Foto Liburan": treeSum})
			bytes += 100 * 64 << 10
		default:
			expectOK(send(fast, to, mid[0]), send(slow, to, mid[1]))
			checkAndClear(to.dir, map[string]string{"mid-a.bin": midSum[0], "mid-b.bin": midSum[1]})
			bytes += 32 << 20
		}
		transfers++
	}

	const warmup = 10
	for i := range warmup {
		round(i, rx)
		round(i, twin)
	}
	rss0 := procStatus(t, rx.Pid, "VmRSS")
	threads0, fds0 := settled(t, rx.Pid)
	resetPeak(t, rx.Pid)
	t.Logf("after %d warm-up rounds: RSS %.1f MiB, threads %d, open files %d", warmup, mib(rss0), threads0, fds0)

	start := time.Now()
	for i := warmup; time.Since(start) < duration; i++ {
		round(i, rx)
		if i%50 == 0 {
			t.Logf("%v: %d transfers, RSS %.1f MiB, threads %d, open files %d", time.Since(start).Round(time.Second),
				transfers, mib(procStatus(t, rx.Pid, "VmRSS")), procStatus(t, rx.Pid, "Threads"), openFDs(t, rx.Pid))
		}
	}
	peak := procStatus(t, rx.Pid, "VmHWM")

	// Idle: Go collects at least every 2 minutes and then hands free pages
	// back to the kernel, so give it up to three.
	var rss int64
	var threads, fds int
	back := false
	for end := time.Now().Add(3 * time.Minute); time.Now().Before(end) && !back; time.Sleep(time.Second) {
		rss, threads, fds = procStatus(t, rx.Pid, "VmRSS"), int(procStatus(t, rx.Pid, "Threads")), openFDs(t, rx.Pid)
		back = rss <= rss0+8<<20 && fds <= fds0
	}
	g, gTwin := goroutines(t, rx), goroutines(t, twin)
	t.Logf("FIGURE soak %v: %d transfers (%d resumed after a kill), %.1f GiB; receiver RSS %.1f MiB after warm-up, peak %.1f MiB, %.1f MiB after; threads %d → %d; open files %d → %d; goroutines %d (twin after warm-up: %d)",
		duration, transfers, resumes, float64(bytes)/(1<<30), mib(rss0), mib(peak), mib(rss), threads0, threads, fds0, fds, len(g), len(gTwin))
	if !back {
		t.Errorf("receiver did not come back: RSS %.1f MiB (baseline %.1f + 8 MiB), open files %d (baseline %d)", mib(rss), mib(rss0), fds, fds0)
	}
	if threads > threads0+4 {
		t.Errorf("receiver threads grew from %d to %d", threads0, threads)
	}
	if len(g) > len(gTwin)+2 {
		t.Errorf("the soaked receiver has %d goroutines, its warmed-up twin %d; extra:\n%s", len(g), len(gTwin), extra(g, gTwin))
	}
}

// goroutines stops a receiver with SIGQUIT and returns the top frame of
// each goroutine from the runtime's dump.
func goroutines(t *testing.T, r *receiver) []string {
	t.Helper()
	if err := syscall.Kill(r.Pid, syscall.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	r.Exit(10 * time.Second)
	var out []string
	for _, block := range strings.Split(r.Stderr(), "\n\n") {
		lines := strings.Split(block, "\n")
		if len(lines) < 2 || !goroutineHdr.MatchString(lines[0]) {
			continue
		}
		// The first frame in our code says who it is; runtime frames
		// above it only say how it waits.
		top := lines[1]
		for _, ln := range lines[1:] {
			if strings.Contains(ln, "lempar/lempar/") && !strings.HasPrefix(ln, "\t") {
				top = ln
				break
			}
		}
		out = append(out, strings.TrimSpace(goroutineArgs.ReplaceAllString(top, "(…)")))
	}
	slices.Sort(out)
	return out
}

var (
	goroutineHdr  = regexp.MustCompile(`^goroutine \d+ .*\[.*\]:$`)
	goroutineArgs = regexp.MustCompile(`\(.*\)$`)
)

// extra lists the entries of a that b lacks (as multisets).
func extra(a, b []string) string {
	left := map[string]int{}
	for _, s := range b {
		left[s]++
	}
	var out []string
	for _, s := range a {
		if left[s] > 0 {
			left[s]--
			continue
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

// treeHash hashes a folder's relative paths and file contents in order.
func treeHash(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s %v\n", rel, d.IsDir())
		if !d.IsDir() {
			fmt.Fprintf(h, "%s\n", fileHash(p))
		}
		return nil
	})
	if err != nil {
		return "unreadable: " + err.Error()
	}
	return hex.EncodeToString(h.Sum(nil))
}
