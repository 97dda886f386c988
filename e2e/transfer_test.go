package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/testproc"
)

func TestTreeWithTextRoundTrip(t *testing.T) {
	tmp := t.TempDir()
	rx := startReceiver(t, filepath.Join(tmp, "rx"), filepath.Join(tmp, "dl"), nil, "--yes")
	tree := filepath.Join(tmp, "src", "Liburan Bali 🌴")
	writeRandom(t, filepath.Join(tree, "video", "pantai kuta.mp4"), 200<<20)
	writeRandom(t, filepath.Join(tree, "catatan — ñandú ü.txt"), 1234)
	writeRandom(t, filepath.Join(tree, "日本語", "写真.jpg"), 70_000)
	if err := os.WriteFile(filepath.Join(tree, "kosong.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(tree, "folder kosong", "lebih dalam"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeRandom(t, filepath.Join(tree, "run.sh"), 100)
	if err := os.Chmod(filepath.Join(tree, "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2023, 8, 17, 10, 0, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(tree, "catatan — ñandú ü.txt"), old, old); err != nil {
		t.Fatal(err)
	}
	ev, code, stderr := sendCmd(t, filepath.Join(tmp, "tx"), "--to", rx.addr(), "--text", "Halo Sari, ini fotonya 📷", tree)
	if code != 0 || ev["state"] != "done" {
		t.Fatalf("send exit %d, final %v\n%s", code, ev, stderr)
	}
	re := rx.finalEvent(30 * time.Second)
	if re["state"] != "done" {
		t.Fatalf("receiver final: %v", re)
	}
	texts, _ := re["texts"].([]any)
	if len(texts) != 1 || texts[0] != "Halo Sari, ini fotonya 📷" {
		t.Fatalf("text not delivered: %v", re["texts"])
	}
	if re["code"] != ev["code"] {
		t.Fatalf("verification codes differ: %v vs %v", re["code"], ev["code"])
	}
	compareTrees(t, filepath.Join(tmp, "src"), filepath.Join(tmp, "dl"))
}

func TestDeclineCreatesNothing(t *testing.T) {
	tmp := t.TempDir()
	dl := filepath.Join(tmp, "dl")
	rx := startReceiver(t, filepath.Join(tmp, "rx"), dl, strings.NewReader("n\n"))
	src := filepath.Join(tmp, "laporan.pdf")
	writeRandom(t, src, 5000)
	ev, code, _ := sendCmd(t, filepath.Join(tmp, "tx"), "--to", rx.addr(), src)
	if code != 2 || ev["state"] != "declined" || !strings.Contains(ev["error"].(string), "declined") {
		t.Fatalf("want exit 2 declined, got %d %v", code, ev)
	}
	if re := rx.finalEvent(10 * time.Second); re["state"] != "declined" {
		t.Fatalf("receiver: %v", re)
	}
	if _, err := os.Stat(dl); !os.IsNotExist(err) {
		t.Fatal("declining created the download folder")
	}
}

func TestNameConflictKeepsOriginal(t *testing.T) {
	tmp := t.TempDir()
	dl := filepath.Join(tmp, "dl")
	if err := os.MkdirAll(dl, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dl, "report.pdf"), []byte("original"), 0o644); err != nil {
		t.Fatal(err)
	}
	rx := startReceiver(t, filepath.Join(tmp, "rx"), dl, nil, "--yes")
	src := filepath.Join(tmp, "src", "report.pdf")
	writeRandom(t, src, 3000)
	if _, code, stderr := sendCmd(t, filepath.Join(tmp, "tx"), "--to", rx.addr(), src); code != 0 {
		t.Fatalf("send failed: %s", stderr)
	}
	rx.finalEvent(10 * time.Second)
	if b, _ := os.ReadFile(filepath.Join(dl, "report.pdf")); string(b) != "original" {
		t.Fatal("the original was touched")
	}
	if err := sameFile(src, filepath.Join(dl, "report (1).pdf")); err != nil {
		t.Fatal(err)
	}
}

func TestPinMismatchIsRefused(t *testing.T) {
	tmp := t.TempDir()
	rx := startReceiver(t, filepath.Join(tmp, "rx"), filepath.Join(tmp, "dl"), nil, "--yes")
	src := filepath.Join(tmp, "a.txt")
	writeRandom(t, src, 10)
	wrong := strings.Repeat("ab", 32)
	_, code, stderr := sendCmd(t, filepath.Join(tmp, "tx"), "--to", rx.addr(), "--pin", wrong, src)
	if code != 1 || !strings.Contains(stderr, "not the device you think") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
}

// cutAndResume kills one side when the receiver holds about half the file
// and checks that only the rest travels afterwards.
//
// Receiver killed: it restarts on the same port and the running sender
// reconnects by itself (it retries) and resumes. Sender killed: the
// receiver keeps the session waiting ("retrying"); a new send resumes from
// the partial file.
func cutAndResume(t *testing.T, killReceiver bool) {
	tmp := t.TempDir()
	const size = 400 << 20
	dl := filepath.Join(tmp, "dl")
	src := filepath.Join(tmp, "src", "film.mkv")
	writeRandom(t, src, size)
	rx := startReceiver(t, filepath.Join(tmp, "rx"), dl, nil, "--yes")
	tx := start(t, nil, "--config", filepath.Join(tmp, "tx"), "send", "--json", "--to", rx.addr(), src)
	rx.Next(60*time.Second, "half the file received", func(e testproc.Event) bool {
		return e.Str("event") == "transfer" && e.Num("done") >= size/2
	})
	victim := tx
	if killReceiver {
		victim = rx.Proc
	}
	if err := victim.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.Exit(10 * time.Second)
	if _, err := os.Stat(filepath.Join(dl, "film.mkv")); !os.IsNotExist(err) {
		t.Fatal("a cut file was renamed into place")
	}
	var sent int64
	if killReceiver {
		retry := tx.Next(30*time.Second, "retrying", func(e testproc.Event) bool { return e.Str("state") == "retrying" })
		before := retry.Num("sent")
		port := strconv.Itoa(rx.port)
		startReceiver(t, filepath.Join(tmp, "rx"), dl, nil, "--yes", "--port", port) // stopped when the test ends
		if code := tx.Exit(2 * time.Minute); code != 0 {
			t.Fatalf("sender exit %d after the receiver came back\n%s", code, tx.Stderr())
		}
		evs := tx.Events()
		sent = evs[len(evs)-1].Num("sent") - before
	} else {
		if re := rx.Next(30*time.Second, "retrying", func(e testproc.Event) bool { return e.Str("state") == "retrying" }); re.Str("error_code") != "connection-lost" {
			t.Fatalf("receiver after the sender died: %v", re)
		}
		ev, code, stderr := sendCmd(t, filepath.Join(tmp, "tx"), "--to", rx.addr(), src)
		if code != 0 {
			t.Fatalf("second send: exit %d\n%s", code, stderr)
		}
		sent = num(ev, "sent")
	}
	t.Logf("after the cut, %d of %d bytes travelled (%.0f%%)", sent, size, 100*float64(sent)/size)
	if sent >= size*3/4 || sent <= 0 {
		t.Fatalf("resume sent %d of %d bytes", sent, size)
	}
	if err := sameFile(src, filepath.Join(dl, "film.mkv")); err != nil {
		t.Fatal(err)
	}
}

func TestKillReceiverThenResume(t *testing.T) { cutAndResume(t, true) }
func TestKillSenderThenResume(t *testing.T)   { cutAndResume(t, false) }
