//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The benchmark starts real receivers, and a receiver announces itself on
// mDNS: the test re-executes itself inside a private user+network namespace
// whose only interface is lo, with multicast routed there.
const (
	benchNetnsEnv = "LEMPAR_BENCH_TEST_NETNS"
	benchBinEnv   = "LEMPAR_BENCH_TEST_BIN"
	netnsSetup    = `set -e
ip link set lo up
ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
exec "$@"`
)

const benchTestSize = 8 << 20

func TestBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: runs the whole benchmark through the built binary")
	}
	if os.Getenv(benchNetnsEnv) == "" {
		runInNetns(t, buildBench(t))
		return
	}
	tmp := t.TempDir()
	cmd := exec.Command(os.Getenv(benchBinEnv), "--json", "--size", "8MiB", "--resume-size", "8MiB",
		"--files", "50", "--runs", "1", "--tmp", tmp)
	cmd.Env = append(os.Environ(), "LEMPAR_LANG=en")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Logf("progress:\n%s", stderr.String())
	if err != nil {
		t.Fatalf("bench failed: %v\n%s", err, out)
	}

	rows := map[string]map[string]any{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		for _, k := range []string{"scenario", "mb_per_s", "files_per_s", "ceiling_mb_per_s", "ratio",
			"sent_bytes", "peak_rss_mib_sender", "peak_rss_mib_receiver"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%v lacks %q", m["scenario"], k)
			}
		}
		if v, _ := m["mb_per_s"].(float64); v <= 0 {
			t.Errorf("%v: mb_per_s = %v, want > 0", m["scenario"], m["mb_per_s"])
		}
		rows[m["scenario"].(string)] = m
	}
	for _, s := range []string{"ceiling-tcp", "ceiling-tls", "aes-128-gcm", "aes-256-gcm", "blake3", "write-fsync",
		"ceiling-e2e", "large-file", "ref-tar", "small-files", "resume"} {
		if rows[s] == nil {
			t.Errorf("no %q row in the output", s)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	num := func(s, k string) float64 {
		v, ok := rows[s][k].(float64)
		if !ok {
			t.Fatalf("%s.%s = %v, want a number", s, k, rows[s][k])
		}
		return v
	}
	if got := num("large-file", "sent_bytes"); got != benchTestSize {
		t.Errorf("large file: sent_bytes = %v, want %d", got, benchTestSize)
	}
	if num("large-file", "ceiling_mb_per_s") != num("ceiling-e2e", "mb_per_s") {
		t.Error("the large file is not compared with the bare TLS copy")
	}
	ratio := num("large-file", "ratio")
	if want := num("large-file", "mb_per_s") / num("ceiling-e2e", "mb_per_s"); ratio != want {
		t.Errorf("large file: ratio = %v, want Lempar / reference = %v", ratio, want)
	}
	rssOK := num("large-file", "peak_rss_mib_sender") <= targetRSSMiB && num("large-file", "peak_rss_mib_receiver") <= targetRSSMiB
	if pass, _ := rows["large-file"]["pass"].(bool); pass != (ratio >= targetLargeRatio && rssOK) {
		t.Errorf("large file: pass = %v with ratio %.2f (target %.2f)", pass, ratio, targetLargeRatio)
	}
	for _, s := range []string{"ceiling-tcp", "ceiling-tls", "aes-128-gcm", "aes-256-gcm", "blake3", "write-fsync"} {
		if num(s, "cpu_s_per_gb") <= 0 {
			t.Errorf("%s: no CPU s/GB measured", s)
		}
	}
	for _, s := range []string{"ceiling-e2e", "large-file"} {
		if num(s, "cpu_s_per_gb_sender") <= 0 || num(s, "cpu_s_per_gb_receiver") <= 0 {
			t.Errorf("%s: no CPU s/GB measured for each side", s)
		}
	}
	if suite, _ := rows["ceiling-e2e"]["cipher_suite"].(string); !strings.HasPrefix(suite, "TLS_") {
		t.Errorf("the bare copy reports cipher suite %q", suite)
	}
	if num("small-files", "files_per_s") <= 0 || num("ref-tar", "files_per_s") <= 0 || num("small-files", "ratio") <= 0 {
		t.Errorf("small files: files_per_s %v, tar %v, ratio %v", rows["small-files"]["files_per_s"], rows["ref-tar"]["files_per_s"], rows["small-files"]["ratio"])
	}
	sent := num("resume", "sent_bytes")
	if sent <= 0 || sent >= benchTestSize {
		t.Errorf("resumed file: sent_bytes = %v, want between 0 and %d", sent, benchTestSize)
	}
	if r := num("resume", "ratio"); r != sent/benchTestSize {
		t.Errorf("resumed file: ratio = %v, want sent/size = %v", r, sent/benchTestSize)
	}
	for _, s := range []string{"large-file", "small-files", "resume"} {
		if num(s, "peak_rss_mib_sender") <= 0 || num(s, "peak_rss_mib_receiver") <= 0 {
			t.Errorf("%s: no peak RSS measured", s)
		}
		if _, ok := rows[s]["pass"].(bool); !ok {
			t.Errorf("%s: pass = %v, want a verdict", s, rows[s]["pass"])
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the benchmark left %d entries in --tmp, e.g. %s", len(left), left[0].Name())
	}
}

// buildBench builds this command and lempar-cli into one folder, the way
// `make bench` does, and returns the benchmark's path: it finds lempar-cli
// beside itself.
func buildBench(t *testing.T) string {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	dir := t.TempDir()
	for name, pkg := range map[string]string{"lempar-cli": "../lempar-cli", "lempar-bench": "."} {
		cmd := exec.Command(goBin, "build", "-o", filepath.Join(dir, name), pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return filepath.Join(dir, "lempar-bench")
}

// runInNetns runs this test again inside a new network namespace.
func runInNetns(t *testing.T, bin string) {
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping: the benchmark's receivers must run in a private network namespace, and %s is not installed (util-linux, iproute2)", tool)
		}
	}
	if out, err := exec.Command("unshare", "-rn", "--", "sh", "-c", "ip link set lo up").CombinedOutput(); err != nil {
		t.Skipf("skipping: the benchmark's receivers must run in a private network namespace, and unshare -rn failed (%v: %s); as a non-root user this needs unprivileged user namespaces", err, out)
	}
	cmd := exec.Command("unshare", "-rn", "--", "sh", "-c", netnsSetup, "sh",
		os.Args[0], "-test.run=^TestBenchEndToEnd$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), benchNetnsEnv+"=1", benchBinEnv+"="+bin)
	out, err := cmd.CombinedOutput()
	t.Logf("inside the namespace:\n%s", out)
	if err != nil {
		t.Fatalf("the benchmark test failed inside its network namespace: %v", err)
	}
	if !bytes.Contains(out, []byte("--- PASS: TestBenchEndToEnd")) {
		t.Fatal("the benchmark test did not pass inside its network namespace")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"2GiB": 2 << 30, "512MiB": 512 << 20, "4KiB": 4096, "4k": 4096, "1.5GB": 1.5e9, "1000": 1000, " 8 MiB ": 8 << 20,
	} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GiB", "-1MiB", "2XB", "0", "1.2.3M"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}
