// Package interop tests Lempar's LocalSend adapter against a third-party
// implementation, localsend@0.1.2 from npm (make deps-localsend installs
// it into .cache/localsend), on a LAN of network namespaces: host 0 runs
// Lempar (this test binary as a helper), host 1 runs localsend on Node.
package interop

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

func TestMain(m *testing.M) {
	if cfg := os.Getenv(envHelper); cfg != "" {
		os.Exit(runHelper(cfg))
	}
	if os.Getenv(envJunk) != "" {
		os.Exit(runJunk())
	}
	code := m.Run()
	removeCLI()
	os.Exit(code)
}

const (
	lemparHost = 0
	lsHost     = 1
	lemparIP   = "10.77.0.1"
	lsIP       = "10.77.0.2"
)

// cliPath finds localsend's CLI, or skips saying how to install it.
func cliPath(t *testing.T) (node, cli, interactive string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipping: node is not installed (Node 20+; then run make deps-localsend)")
	}
	dir := os.Getenv("LEMPAR_LOCALSEND_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", ".cache", "localsend")
	}
	dist := filepath.Join(dir, "node_modules", "localsend", "dist")
	cli, interactive = filepath.Join(dist, "cli.js"), filepath.Join(dist, "cli-interactive.js")
	if _, err := os.Stat(cli); err != nil {
		t.Skipf("skipping: localsend@0.1.2 is not installed in %s (run make deps-localsend)", dir)
	}
	abs, _ := filepath.Abs(cli)
	absI, _ := filepath.Abs(interactive)
	return node, abs, absI
}

type rig struct {
	t                      *testing.T
	lan                    *netns.LAN
	node, cli, interactive string
	self                   string // this test binary
}

func newRig(t *testing.T) *rig {
	node, cli, interactive := cliPath(t)
	lan := netns.New(t, 2)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, lan: lan, node: node, cli: cli, interactive: interactive, self: self}
}

// lempar starts the Lempar node on host 0 and waits until LocalSend is up.
func (r *rig) lempar(cfg helperCfg) *proc { return r.lemparOn(lemparHost, cfg) }

func (r *rig) lemparOn(host int, cfg helperCfg) *proc {
	r.t.Helper()
	if cfg.ConfigDir == "" {
		cfg.ConfigDir = r.t.TempDir()
	}
	if cfg.DownloadDir == "" {
		cfg.DownloadDir = filepath.Join(r.t.TempDir(), "Lempar")
	}
	if cfg.Name == "" {
		cfg.Name = "Lempar Box"
	}
	b, _ := json.Marshal(cfg)
	cmd := r.lan.Command(host, r.self)
	cmd.Env = append(os.Environ(), envHelper+"="+string(b))
	p := startProc(r.t, "lempar", cmd)
	p.line(func(l evLine) bool { return l.Kind == "ready" }, 15*time.Second)
	return p
}

// ls runs localsend's CLI on host 1.
func (r *rig) ls(name string, args ...string) *proc {
	r.t.Helper()
	cmd := r.lan.Command(lsHost, r.node, append([]string{r.cli}, args...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	return startProc(r.t, name, cmd)
}

func randFile(t *testing.T, path string, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func contents(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		b, _ := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	return out
}

// waitTree polls until dir holds exactly want: localsend's receiver ends
// its write streams asynchronously after answering.
func waitTree(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := contents(t, dir)
		same := len(got) == len(want)
		for p, b := range want {
			if !bytes.Equal(got[p], b) {
				same = false
			}
		}
		if same {
			return
		}
		if time.Now().After(deadline) {
			var names []string
			for p, b := range got {
				names = append(names, fmt.Sprintf("%s(%d, equal=%v)", p, len(b), bytes.Equal(b, want[p])))
			}
			t.Fatalf("%s holds %v, want %d files", dir, names, len(want))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func isFinal(l evLine) bool {
	switch l.State {
	case "done", "declined", "cancelled", "failed":
		return true
	}
	return false
}

func TestLocalSendInterop(t *testing.T) {
	r := newRig(t)
	srcDir := t.TempDir()
	lsSave := filepath.Join(t.TempDir(), "ls-received")

	// localsend receives (auto-accept) on host 1; Lempar starts on host 0.
	recv := r.ls("ls-receive", "receive", "--alias", "LS-Box", "--saveDir", lsSave, "--autoAccept")
	recv.expect("Server started on port 53317", 15*time.Second)
	dlDir := filepath.Join(t.TempDir(), "Lempar")
	lem := r.lempar(helperCfg{Accept: "yes", DownloadDir: dlDir})

	var lsPeer evLine
	t.Run("Lempar discovers LocalSend", func(t *testing.T) {
		lsPeer = lem.line(func(l evLine) bool { return l.Kind == "peer" && l.PeerName == "LS-Box" }, 20*time.Second)
		if lsPeer.Source != "localsend" || !strings.HasPrefix(lsPeer.PeerID, "localsend:") || lsPeer.Addr != lsIP+":53317" {
			t.Fatalf("peer %+v", lsPeer)
		}
	})
	if lsPeer.PeerID == "" {
		t.FailNow()
	}

	t.Run("LocalSend discovers Lempar", func(t *testing.T) {
		// Its own port 53318: announcing from there, it gets our register
		// answer there (53317 is the receiver's).
		disc := r.ls("ls-discover", "discover", "--json", "--timeout", "4", "--port", "53318", "--alias", "LS-Scan")
		if code := disc.Exit(30 * time.Second); code != 0 {
			t.Fatalf("discover exited %d:\n%s", code, disc.Output())
		}
		out := disc.Output()
		i := strings.Index(out, "[")
		var found []map[string]any
		if i < 0 || json.Unmarshal([]byte(out[i:]), &found) != nil {
			t.Fatalf("no JSON list in:\n%s", out)
		}
		ok := false
		for _, d := range found {
			if d["alias"] == "Lempar Box" && d["ip"] == lemparIP && d["protocol"] == "https" && fmt.Sprint(d["port"]) == "53317" && d["deviceType"] == "desktop" && d["version"] == "2.2" {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("Lempar not among %v", found)
		}
	})

	t.Run("Lempar sends files and a folder", func(t *testing.T) {
		want := map[string][]byte{}
		want["report.pdf"] = randFile(t, filepath.Join(srcDir, "report.pdf"), 5<<20+3)
		want["Album/pantai.jpg"] = randFile(t, filepath.Join(srcDir, "Album", "pantai.jpg"), 700_000)
		want["Album/2024/bali.jpg"] = randFile(t, filepath.Join(srcDir, "Album", "2024", "bali.jpg"), 90_001)
		want["Album/catatan.txt"] = randFile(t, filepath.Join(srcDir, "Album", "catatan.txt"), 1)
		lem.send(command{Op: "send", Peer: lsPeer.PeerID, Paths: []string{filepath.Join(srcDir, "report.pdf"), filepath.Join(srcDir, "Album")}})
		sent := lem.line(func(l evLine) bool { return l.Kind == "sent" }, 60*time.Second)
		if sent.State != "done" || sent.FilesDone != 4 || sent.Done != sent.Total {
			t.Fatalf("sent %+v", sent)
		}
		waitTree(t, lsSave, want)
	})

	t.Run("Lempar sends text", func(t *testing.T) {
		before := contents(t, lsSave)
		lem.send(command{Op: "send", Peer: lsPeer.PeerID, Text: "Halo dari Lempar 👋"})
		if sent := lem.line(func(l evLine) bool { return l.Kind == "sent" }, 30*time.Second); sent.State != "done" {
			t.Fatalf("sent %+v", sent)
		}
		// This receiver has no message view: it stores the text as a .txt.
		deadline := time.Now().Add(10 * time.Second)
		for {
			for p, b := range contents(t, lsSave) {
				if _, old := before[p]; !old && strings.HasSuffix(p, ".txt") && string(b) == "Halo dari Lempar 👋" {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no message file in %v", contents(t, lsSave))
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("LocalSend sends files", func(t *testing.T) {
		want := map[string][]byte{}
		for _, f := range []struct {
			name string
			size int
		}{{"foto.jpg", 3<<20 + 11}, {"lagu.mp3", 40<<20 + 5}} {
			want[f.name] = randFile(t, filepath.Join(srcDir, "ls", f.name), f.size)
			snd := r.ls("ls-send", "send", "--protocol", "https", "--alias", "LS-Sender", lemparIP, filepath.Join(srcDir, "ls", f.name))
			if code := snd.Exit(60 * time.Second); code != 0 {
				t.Fatalf("send %s exited %d:\n%s", f.name, code, snd.Output())
			}
			ev := lem.line(func(l evLine) bool { return l.Kind == "event" && l.Direction == "in" && isFinal(l) }, 30*time.Second)
			if ev.State != "done" || ev.PeerName != "LS-Sender" || !strings.HasPrefix(ev.PeerID, "localsend:") || len(ev.Saved) != 1 || ev.Saved[0] != f.name {
				t.Fatalf("event %+v", ev)
			}
		}
		waitTree(t, dlDir, want)
	})

	t.Run("LocalSend sends text", func(t *testing.T) {
		cmd := r.lan.Command(lsHost, r.node, r.interactive, "--port", "53318", "--alias", "LS-Chat")
		p := startProc(t, "ls-interactive", cmd)
		p.expect("Enter your choice (1-6): ", 15*time.Second)
		p.input("1\n")
		p.expect("Press Enter to return to main menu...", 20*time.Second)
		p.input("\n")
		p.expect("Enter your choice (1-6): ", 5*time.Second)
		p.input("2\n")
		list := p.expect("Enter device number: ", 5*time.Second)
		m := regexp.MustCompile(`(?m)^\s*(\d+)\. Lempar Box \(` + regexp.QuoteMeta(lemparIP) + `:53317\)`).FindStringSubmatch(list)
		if m == nil {
			t.Fatalf("Lempar is not in the list:\n%s", list)
		}
		p.input(m[1] + "\n")
		p.expect("Enter text to send: ", 5*time.Second)
		p.input("Sampai jumpa besok\n")
		p.expect("Enter PIN (leave empty if none required): ", 5*time.Second)
		p.input("\n")
		p.expect("Text message delivered", 20*time.Second)
		ev := lem.line(func(l evLine) bool { return l.Kind == "event" && l.Direction == "in" && isFinal(l) }, 10*time.Second)
		if ev.State != "done" || len(ev.Texts) != 1 || ev.Texts[0] != "Sampai jumpa besok" || ev.PeerName != "LS-Chat" {
			t.Fatalf("event %+v", ev)
		}

		// Over 50 MB this implementation uploads 10 MB X-Content-Range
		// pieces, each its own request. (Its plain CLI "send" can't: its
		// progress bar divides by zero on the first piece.)
		big := filepath.Join(srcDir, "ls", "video.mp4")
		data := randFile(t, big, 55<<20+7)
		p.expect("Press Enter to return to main menu...", 5*time.Second)
		p.input("\n")
		p.expect("Enter your choice (1-6): ", 5*time.Second)
		p.input("3\n")
		p.expect("Enter device number: ", 5*time.Second)
		p.input(m[1] + "\n")
		p.expect("Enter absolute path to file: ", 5*time.Second)
		p.input(big + "\n")
		p.expect("Enter PIN (leave empty if none required): ", 5*time.Second)
		p.input("\n")
		p.expect("File sent successfully!", 60*time.Second)
		ev = lem.line(func(l evLine) bool { return l.Kind == "event" && l.Direction == "in" && isFinal(l) }, 10*time.Second)
		if ev.State != "done" || len(ev.Saved) != 1 || ev.Saved[0] != "video.mp4" {
			t.Fatalf("event %+v", ev)
		}
		if !bytes.Equal(contents(t, dlDir)["video.mp4"], data) {
			t.Fatal("video.mp4 differs")
		}
	})

	t.Run("junk multicast", func(t *testing.T) {
		cmd := r.lan.Command(lsHost, r.self)
		cmd.Env = append(os.Environ(), envJunk+"=1")
		j := startProc(t, "junk", cmd)
		if code := j.Exit(10 * time.Second); code != 0 {
			t.Fatalf("junk sender: %s", j.Output())
		}
		// Still alive and serving: a file goes through after the junk.
		want := randFile(t, filepath.Join(srcDir, "after-junk.bin"), 1000)
		snd := r.ls("ls-send", "send", "--protocol", "https", lemparIP, filepath.Join(srcDir, "after-junk.bin"))
		if code := snd.Exit(30 * time.Second); code != 0 {
			t.Fatalf("send after junk exited %d:\n%s", code, snd.Output())
		}
		lem.line(func(l evLine) bool {
			return l.Kind == "event" && l.Direction == "in" && isFinal(l) && l.State == "done"
		}, 10*time.Second)
		if !bytes.Equal(contents(t, dlDir)["after-junk.bin"], want) {
			t.Fatal("file after junk differs")
		}
		if strings.Contains(lem.Output(), "JUNK-") {
			t.Fatalf("a junk announcement got listed:\n%s", testproc.Tail(lem.Output(), 4000))
		}
	})

	t.Run("cancel mid-transfer both ways", func(t *testing.T) {
		randFile(t, filepath.Join(srcDir, "big.bin"), 300<<20)
		lem.send(command{Op: "send", Peer: lsPeer.PeerID, Paths: []string{filepath.Join(srcDir, "big.bin")}, CancelAfter: 20 << 20})
		sent := lem.line(func(l evLine) bool { return l.Kind == "sent" }, 60*time.Second)
		if sent.State != "cancelled" || sent.Code != "cancelled" || sent.Done >= sent.Total { // cancelled here, says who
			t.Fatalf("sent %+v", sent)
		}
		// LocalSend's receiver freed its session: the next offer works.
		lem.send(command{Op: "send", Peer: lsPeer.PeerID, Text: "still there?"})
		if s := lem.line(func(l evLine) bool { return l.Kind == "sent" }, 30*time.Second); s.State != "done" {
			t.Fatalf("after cancel: %+v", s)
		}
	})
	recv.stop()
	lem.stop()

	t.Run("LocalSend cancelled by Lempar", func(t *testing.T) {
		dl := filepath.Join(t.TempDir(), "Lempar")
		lem := r.lempar(helperCfg{Accept: "yes", DownloadDir: dl, CancelInAt: 8 << 20})
		// 45 MB in one request (its CLI's limit for that), over a link
		// slowed to 200 Mbit/s so the cancel lands mid-body.
		randFile(t, filepath.Join(srcDir, "mid.bin"), 45<<20)
		r.shape(lemparHost, "200mbit")
		defer r.unshape(lemparHost)
		snd := r.ls("ls-send", "send", "--protocol", "https", lemparIP, filepath.Join(srcDir, "mid.bin"))
		ev := lem.line(func(l evLine) bool { return l.Kind == "event" && l.Direction == "in" && isFinal(l) }, 60*time.Second)
		if ev.State != "cancelled" || ev.Code != "cancelled" || ev.Done >= ev.Total {
			t.Fatalf("event %+v", ev)
		}
		if code := snd.Exit(60 * time.Second); code == 0 {
			t.Fatalf("localsend says it sent a cancelled file:\n%s", snd.Output())
		}
		waitEmpty(t, dl)
	})
}

// shape limits the switch port towards host i (its downlink).
func (r *rig) shape(i int, rate string) {
	r.t.Helper()
	out, err := exec.Command("ip", "netns", "exec", r.lan.Switch(), "tc", "qdisc", "replace", "dev", r.lan.SwitchPort(i), "root", "tbf", "rate", rate, "burst", "256kb", "latency", "50ms").CombinedOutput()
	if err != nil {
		r.t.Skipf("skipping: can't shape the link (tc tbf): %v: %s", err, out)
	}
}

func (r *rig) unshape(i int) {
	_ = exec.Command("ip", "netns", "exec", r.lan.Switch(), "tc", "qdisc", "del", "dev", r.lan.SwitchPort(i), "root").Run()
}

// waitEmpty polls until dir has no files (cut-off uploads remove their
// partial files as they return).
func waitEmpty(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(contents(t, dir)) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("left in %s: %d files", dir, len(contents(t, dir)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
