package interop

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/testproc"
)

// The tests in this file drive the real lempar-cli binary on host 0, as a
// person or a script would, and nothing of Lempar in-process: receive,
// send and peers against localsend@0.1.2 on host 1.

var (
	cliOnce sync.Once
	cliBins *testproc.Binaries
)

// lemparCLI is the lempar-cli binary under test, built on first use, once
// per test binary (TestMain removes it); the other tests never pay for it.
func lemparCLI() string {
	cliOnce.Do(func() { cliBins = testproc.MustBuild("lempar-interop-cli", "../../cmd/lempar-cli") })
	return cliBins.Path("lempar-cli")
}

// removeCLI deletes the built lempar-cli, if a test built it.
func removeCLI() {
	if cliBins != nil {
		cliBins.Remove()
	}
}

// lemparCmd runs lempar-cli on host 0 with its own home, so nothing of the
// machine's (a config dir, ~/Downloads) is read or written; stdout is read
// as JSON event lines, stderr kept for failure messages. It is stopped with
// SIGINT when t ends.
func (r *rig) lemparCmd(t *testing.T, name string, args ...string) *testproc.Proc {
	t.Helper()
	cmd := r.lan.Command(lemparHost, lemparCLI(), args...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LEMPAR_CONFIG_DIR=") && !strings.HasPrefix(kv, "LEMPAR_MDNS_LOOPBACK=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "HOME="+t.TempDir(), "LANG=C", "LC_ALL=C")
	return testproc.Start(t, cmd, testproc.Options{Name: name})
}

// lsOn runs localsend's CLI on host 1 for the length of t.
func (r *rig) lsOn(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	cmd := r.lan.Command(lsHost, r.node, append([]string{r.cli}, args...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	return startProc(t, name, cmd)
}

// incoming waits for the final event of the next transfer lempar-cli
// receive reports after event index from.
func incoming(p *testproc.Proc, from int, timeout time.Duration) testproc.Event {
	_, ev := p.WaitFrom(from, timeout, "a final incoming transfer event", func(e testproc.Event) bool {
		return e.Final() && e.Str("direction") == "in"
	})
	return ev
}

// strs is a JSON array field of e as strings.
func strs(e testproc.Event, k string) []string {
	var out []string
	list, _ := e.M[k].([]any)
	for _, v := range list {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// sameFile fails t unless path holds exactly want.
func sameFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes differ from the %d sent", path, len(got), len(want))
	}
}

// startReceive starts lempar-cli receive on host 0 and waits until it
// listens and serves LocalSend on 53317.
func (r *rig) startReceive(t *testing.T, name, dir string, extra ...string) *testproc.Proc {
	t.Helper()
	args := append([]string{"receive", "--yes", "--json", "--dir", dir, "--config", t.TempDir(), "--name", name}, extra...)
	p := r.lemparCmd(t, "lempar-cli receive", args...)
	// The two lines come from different goroutines, in either order.
	_, l := p.WaitFrom(0, 15*time.Second, "the listening event", func(e testproc.Event) bool { return e.Str("event") == "listening" })
	if l.Str("name") != name || l.Str("dir") != dir {
		t.Fatalf("listening: %v", l)
	}
	_, ls := p.WaitFrom(0, 15*time.Second, "the localsend event", func(e testproc.Event) bool { return e.Str("event") == "localsend" })
	if ls.Num("port") != 53317 {
		t.Fatalf("localsend: %v", ls)
	}
	return p
}

// TestCLILocalSend: `lempar-cli receive` receives from localsend's sender
// and `lempar-cli send` delivers to its receiver, in namespaces, through
// the CLI alone; `lempar-cli peers` lists it; PINs hold both ways.
func TestCLILocalSend(t *testing.T) {
	r := newRig(t)
	lemparCLI() // build before any clock runs
	src := t.TempDir()

	t.Run("localsend sends to lempar-cli receive", func(t *testing.T) {
		dl := filepath.Join(t.TempDir(), "Unduhan")
		rcv := r.startReceive(t, "Budi", dl)

		// By address, its plain send (HTTPS, as LocalSend apps do).
		data := randFile(t, filepath.Join(src, "laporan.pdf"), 3<<20+17)
		from := len(rcv.Events())
		snd := r.lsOn(t, "ls-send", "send", "--protocol", "https", "--alias", "LS-Sender", lemparIP, filepath.Join(src, "laporan.pdf"))
		if code := snd.Exit(60 * time.Second); code != 0 {
			t.Fatalf("localsend send exited %d:\n%s", code, snd.Output())
		}
		ev := incoming(rcv, from, 30*time.Second)
		if ev.Str("state") != "done" || ev.Str("peer_name") != "LS-Sender" || !strings.HasPrefix(ev.Str("peer_id"), "localsend:") ||
			fmt.Sprint(strs(ev, "saved")) != "[laporan.pdf]" || ev.Str("dir") != dl || ev.Num("done") != int64(len(data)) {
			t.Fatalf("event %v", ev)
		}
		sameFile(t, filepath.Join(dl, "laporan.pdf"), data)

		// Found by multicast: its interactive CLI discovers Budi, then
		// sends a text and a file.
		p := startProc(t, "ls-interactive", r.lan.Command(lsHost, r.node, r.interactive, "--port", "53318", "--alias", "LS-Chat"))
		p.expect("Enter your choice (1-6): ", 15*time.Second)
		p.input("1\n")
		p.expect("Press Enter to return to main menu...", 20*time.Second)
		p.input("\n")
		p.expect("Enter your choice (1-6): ", 5*time.Second)
		p.input("2\n")
		list := p.expect("Enter device number: ", 5*time.Second)
		m := regexp.MustCompile(`(?m)^\s*(\d+)\. Budi \(` + regexp.QuoteMeta(lemparIP) + `:53317\)`).FindStringSubmatch(list)
		if m == nil {
			t.Fatalf("Budi is not in localsend's list:\n%s", list)
		}
		from = len(rcv.Events())
		p.input(m[1] + "\n")
		p.expect("Enter text to send: ", 5*time.Second)
		p.input("Halo Budi, sampai besok\n")
		p.expect("Enter PIN (leave empty if none required): ", 5*time.Second)
		p.input("\n")
		p.expect("Text message delivered", 20*time.Second)
		ev = incoming(rcv, from, 10*time.Second)
		if ev.Str("state") != "done" || ev.Str("peer_name") != "LS-Chat" || fmt.Sprint(strs(ev, "texts")) != "[Halo Budi, sampai besok]" {
			t.Fatalf("text event %v", ev)
		}

		photo := randFile(t, filepath.Join(src, "foto pantai.jpg"), 1<<20+3)
		p.expect("Press Enter to return to main menu...", 5*time.Second)
		p.input("\n")
		p.expect("Enter your choice (1-6): ", 5*time.Second)
		p.input("3\n")
		p.expect("Enter device number: ", 5*time.Second)
		from = len(rcv.Events())
		p.input(m[1] + "\n")
		p.expect("Enter absolute path to file: ", 5*time.Second)
		p.input(filepath.Join(src, "foto pantai.jpg") + "\n")
		p.expect("Enter PIN (leave empty if none required): ", 5*time.Second)
		p.input("\n")
		p.expect("File sent successfully!", 30*time.Second)
		ev = incoming(rcv, from, 10*time.Second)
		if ev.Str("state") != "done" || fmt.Sprint(strs(ev, "saved")) != "[foto pantai.jpg]" {
			t.Fatalf("file event %v", ev)
		}
		sameFile(t, filepath.Join(dl, "foto pantai.jpg"), photo)
		p.stop()

		// Ctrl+C: a clean stop, exit 0.
		rcv.Signal(os.Interrupt)
		if code := rcv.Exit(10 * time.Second); code != 0 {
			t.Fatalf("receive exited %d after SIGINT; stderr:\n%s", code, rcv.Stderr())
		}
	})

	t.Run("lempar-cli finds and sends to localsend", func(t *testing.T) {
		save := filepath.Join(t.TempDir(), "ls-received")
		recv := r.lsOn(t, "ls-receive", "receive", "--alias", "LS-Box", "--saveDir", save, "--autoAccept")
		recv.expect("Server started on port 53317", 15*time.Second)

		peers := r.lemparCmd(t, "lempar-cli peers", "peers", "--json", "--timeout", "3s", "--config", t.TempDir())
		if code := peers.Exit(30 * time.Second); code != 0 {
			t.Fatalf("peers exited %d; stderr:\n%s", code, peers.Stderr())
		}
		_, list := peers.WaitFrom(0, time.Second, "the peers list", func(e testproc.Event) bool { _, ok := e.M["peers"]; return ok })
		var found map[string]any
		all, _ := list.M["peers"].([]any)
		for _, v := range all {
			if p, _ := v.(map[string]any); p["name"] == "LS-Box" {
				found = p
			}
		}
		if found == nil || found["protocol"] != "LocalSend" || found["source"] != "localsend" ||
			found["addr"] != lsIP+":53317" || !strings.HasPrefix(fmt.Sprint(found["id"]), "localsend:") {
			t.Fatalf("LS-Box not listed as a LocalSend device: %v", list)
		}

		data := randFile(t, filepath.Join(src, "untuk-ls.zip"), 4<<20+9)
		snd := r.lemparCmd(t, "lempar-cli send", "send", "--to", "LS-Box", "--json", "--config", t.TempDir(), filepath.Join(src, "untuk-ls.zip"))
		if code := snd.Exit(60 * time.Second); code != 0 {
			t.Fatalf("send exited %d; events %v; stderr:\n%s", code, snd.Events(), snd.Stderr())
		}
		last, ok := snd.LastFinal()
		if !ok || last.Str("state") != "done" || last.Str("target") != "LS-Box" || last.Str("peer_name") != "LS-Box" ||
			last.Str("direction") != "out" || last.Num("done") != int64(len(data)) {
			t.Fatalf("final event %v (of %v)", last, snd.Events())
		}
		for _, e := range snd.Events() {
			if e.Str("event") == "transfer" && e.Str("target") != "LS-Box" {
				t.Fatalf("event without its target: %v", e)
			}
		}
		waitTree(t, save, map[string][]byte{"untuk-ls.zip": data})
	})

	t.Run("PINs both ways", func(t *testing.T) {
		data := randFile(t, filepath.Join(src, "surat.pdf"), 300_000)

		// lempar-cli receive --localsend-pin: localsend's sender must give it.
		dl := filepath.Join(t.TempDir(), "Unduhan")
		rcv := r.startReceive(t, "Sari", dl, "--localsend-pin", "4321")
		for _, c := range []struct{ pin, code string }{{"", "localsend-pin-required"}, {"123456", "localsend-pin-wrong"}} {
			from := len(rcv.Events())
			snd := r.lsOn(t, "ls-send", "send", "--protocol", "https", "--pin", c.pin, lemparIP, filepath.Join(src, "surat.pdf"))
			if code := snd.Exit(30 * time.Second); code == 0 {
				t.Fatalf("pin %q: sent anyway:\n%s", c.pin, snd.Output())
			}
			_, ref := rcv.WaitFrom(from, 5*time.Second, "a refused event", func(e testproc.Event) bool { return e.Str("event") == "refused" })
			if ref.Str("error_code") != c.code {
				t.Fatalf("pin %q: %v", c.pin, ref)
			}
		}
		if n := len(contents(t, dl)); n != 0 {
			t.Fatalf("refused, yet %d files arrived", n)
		}
		from := len(rcv.Events())
		snd := r.lsOn(t, "ls-send", "send", "--protocol", "https", "--pin", "4321", lemparIP, filepath.Join(src, "surat.pdf"))
		if code := snd.Exit(30 * time.Second); code != 0 {
			t.Fatalf("right PIN: exit %d:\n%s", code, snd.Output())
		}
		if ev := incoming(rcv, from, 10*time.Second); ev.Str("state") != "done" {
			t.Fatalf("right PIN: %v", ev)
		}
		sameFile(t, filepath.Join(dl, "surat.pdf"), data)
		rcv.Stop(testproc.DefaultGrace)

		// localsend receive --pin: lempar-cli send --localsend-pin answers.
		save := filepath.Join(t.TempDir(), "ls-received")
		recv := r.lsOn(t, "ls-receive", "receive", "--alias", "LS-PIN", "--saveDir", save, "--autoAccept", "--pin", "9999")
		recv.expect("Server started on port 53317", 15*time.Second)
		cfg := t.TempDir()
		for _, c := range []struct{ pin, code string }{{"", "localsend-pin-required"}, {"1111", "localsend-pin-wrong"}, {"9999", ""}} {
			args := []string{"send", "--to", "LS-PIN", "--json", "--config", cfg, filepath.Join(src, "surat.pdf")}
			if c.pin != "" {
				args = append(args, "--localsend-pin", c.pin)
			}
			snd := r.lemparCmd(t, "lempar-cli send", args...)
			code := snd.Exit(60 * time.Second)
			last, _ := snd.LastFinal()
			if c.code == "" {
				if code != 0 || last.Str("state") != "done" || last.Str("target") != "LS-PIN" {
					t.Fatalf("PIN %q: exit %d, final %v; stderr:\n%s", c.pin, code, last, snd.Stderr())
				}
				continue
			}
			if code == 0 || last.Str("state") == "done" || last.Str("target") != "LS-PIN" || len(contents(t, save)) != 0 {
				t.Fatalf("PIN %q: exit %d, final %v; stderr:\n%s", c.pin, code, last, snd.Stderr())
			}
			got := last.Str("error_code")
			if got != c.code || last.Str("state") != "failed" || code != 1 {
				t.Fatalf("PIN %q: exit %d, final %v, want %s; stderr:\n%s", c.pin, code, last, c.code, snd.Stderr())
			}
		}
		waitTree(t, save, map[string][]byte{"surat.pdf": data})
	})
}
