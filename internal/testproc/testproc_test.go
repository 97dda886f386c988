package testproc

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

func shell(t *testing.T, script string) *exec.Cmd {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("skipping: the test programs are sh scripts")
	}
	return exec.Command("sh", "-c", script)
}

func TestEventsInTurn(t *testing.T) {
	p := Start(t, shell(t, `
echo '{"event":"listening","port":7}'
echo 'plain text'
echo '{"event":"transfer","state":"sending"}'
echo '{"event":"transfer","state":"done","sent":12}'
printf 'no newline'
echo oops >&2
exit 3`), Options{Name: "script"})
	if e := p.Next(5*time.Second, "listening", func(e Event) bool { return e.Str("event") == "listening" }); e.Num("port") != 7 {
		t.Fatalf("listening event %v", e)
	}
	p.Next(5*time.Second, "plain line", func(e Event) bool { return e.Str("event") == "line" && e.Str("text") == "plain text" })
	// Next goes on from the last match; WaitFrom looks wherever it is told.
	p.None(0, "listening again", func(e Event) bool { return e.Str("event") == "listening" })
	if i, _ := p.WaitFrom(0, time.Second, "listening", func(e Event) bool { return e.Str("event") == "listening" }); i != 0 {
		t.Fatalf("WaitFrom(0) found the listening event at %d", i)
	}
	if code := p.Exit(5 * time.Second); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	evs := p.Events()
	if last := evs[len(evs)-1]; last.Str("text") != "no newline" {
		t.Fatalf("the unterminated last line became %v", last)
	}
	if fin, ok := p.LastFinal(); !ok || fin.Num("sent") != 12 {
		t.Fatalf("last final %v %v", fin, ok)
	}
	if got := p.Stderr(); got != "oops\n" {
		t.Fatalf("stderr %q", got)
	}
	if p.Elapsed() <= 0 {
		t.Fatalf("elapsed %v", p.Elapsed())
	}
}

func TestWaitsAreBoundedByExit(t *testing.T) {
	p := Start(t, shell(t, `echo '{"event":"a"}'`), Options{})
	// With the program gone no event can come, so this returns at once
	// rather than after the hour.
	begin := time.Now()
	if _, _, ok := p.find(0, time.Hour, func(e Event) bool { return e.Str("event") == "b" }); ok {
		t.Fatal("found an event that was never written")
	}
	if d := time.Since(begin); d > 30*time.Second {
		t.Fatalf("waited %v after the program ended", d)
	}
}

func TestStopEscalates(t *testing.T) {
	polite := Start(t, shell(t, `exec sleep 60`), Options{})
	begin := time.Now()
	polite.Stop(time.Minute)
	if d := time.Since(begin); d > 30*time.Second {
		t.Fatalf("SIGINT took %v to end a program that doesn't catch it", d)
	}
	stubborn := Start(t, shell(t, `trap '' INT; echo ready; exec sleep 60`), Options{})
	stubborn.Next(5*time.Second, "ready", func(e Event) bool { return e.Str("text") == "ready" })
	stubborn.Stop(200 * time.Millisecond)
	if !stubborn.Exited() || stubborn.ExitCode() != -1 {
		t.Fatalf("after Stop: exited %v, code %d; want killed", stubborn.Exited(), stubborn.ExitCode())
	}
	// Grace 0 skips SIGINT: a handler that would answer it never runs.
	crash := Start(t, shell(t, `trap 'echo interrupted; exit 0' INT; echo ready; while :; do sleep 0.1; done`), Options{})
	crash.Next(5*time.Second, "ready", func(e Event) bool { return e.Str("text") == "ready" })
	crash.Stop(0)
	if strings.Contains(crash.Output(), "interrupted") {
		t.Fatal("Stop(0) sent SIGINT first")
	}
}

func TestMergedOutput(t *testing.T) {
	cmd := shell(t, `printf 'Enter choice: '; read x; echo "got $x" >&2`)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := Start(t, cmd, Options{Name: "prompt", MergeStderr: true})
	// The prompt ends without a newline: only Output sees it.
	if !p.Until(5*time.Second, func() bool { return strings.HasSuffix(p.Output(), "Enter choice: ") }) {
		t.Fatalf("no prompt; output %q", p.Output())
	}
	if _, err := in.Write([]byte("2\n")); err != nil {
		t.Fatal(err)
	}
	if code := p.Exit(5 * time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := p.Output(); got != "Enter choice: got 2\n" {
		t.Fatalf("merged output %q", got)
	}
}
