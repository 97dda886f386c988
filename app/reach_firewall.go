package app

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// DetectFirewall names the host firewall that is on for goos ("" if none is
// seen). root is "/" outside tests. Nothing here needs root: rule lists are
// root-only on Linux, so this tells whether a firewall is on, not whether it
// lets Lempar's port through.
func DetectFirewall(goos, root string) string {
	switch goos {
	case "linux":
		return linuxFirewall(root)
	case "windows":
		// Windows Defender Firewall is on unless someone turned it off, and
		// it asks about each new program: assume on.
		return FirewallWindows
	case "darwin":
		return macFirewall()
	}
	return ""
}

func linuxFirewall(root string) string {
	// ufw keeps its on/off switch in a file anyone may read.
	if b, err := os.ReadFile(filepath.Join(root, "etc", "ufw", "ufw.conf")); err == nil && ufwEnabled(b) {
		return FirewallUFW
	}
	if processRunning(filepath.Join(root, "proc"), "firewalld") {
		return FirewallFirewalld
	}
	return ""
}

func ufwEnabled(conf []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(conf))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if ok && strings.TrimSpace(k) == "ENABLED" {
			return strings.EqualFold(strings.Trim(strings.TrimSpace(v), `"'`), "yes")
		}
	}
	return false
}

// processRunning looks for a process whose command name is name. firewalld
// is a Python script; the kernel names such a process after the script.
func processRunning(proc, name string) bool {
	ents, err := os.ReadDir(proc)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if n := e.Name(); n == "" || n[0] < '0' || n[0] > '9' {
			continue
		}
		b, err := os.ReadFile(filepath.Join(proc, e.Name(), "comm"))
		if err == nil && strings.TrimSpace(string(b)) == name {
			return true
		}
	}
	return false
}

// macFirewall asks the application firewall for its state; any user may.
func macFirewall() string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/usr/libexec/ApplicationFirewall/socketfilterfw", "--getglobalstate").Output()
	if err == nil && bytes.Contains(bytes.ToLower(out), []byte("enabled")) {
		return FirewallMacOS
	}
	return ""
}
