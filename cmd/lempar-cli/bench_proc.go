//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cliEvent is the part of a --json line from receive, send or bench-helper
// that the benchmark reads.
type cliEvent struct {
	Event     string `json:"event"`
	Port      int    `json:"port"`
	State     string `json:"state"`
	Total     int64  `json:"total"`
	Done      int64  `json:"done"`
	Sent      int64  `json:"sent"`
	Files     int    `json:"files"`
	FilesDone int    `json:"files_done"`
	Error     string `json:"error"`
	Bytes     int64  `json:"bytes"`
}

// child is a process the benchmark runs and measures. Its stdout is read as
// JSON lines; the end of its stderr is kept to explain a failure.
type child struct {
	cmd    *exec.Cmd
	stderr *tailBuffer
	start  time.Time
	exited chan struct{} // closed once Wait has returned; end and err are set then
	end    time.Time
	err    error
}

// startChild runs the lempar-cli binary itself with args. onLine is called
// from one goroutine, in order, for every JSON line on stdout.
func startChild(ctx context.Context, exe string, args []string, onLine func(cliEvent)) (*child, error) {
	c := &child{cmd: exec.CommandContext(ctx, exe, args...), stderr: &tailBuffer{max: 4 << 10}, exited: make(chan struct{})}
	c.cmd.Stderr = c.stderr
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c.start = time.Now()
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			var e cliEvent
			if json.Unmarshal(sc.Bytes(), &e) == nil && onLine != nil {
				onLine(e)
			}
		}
		// Wait only after stdout is drained: it closes the pipe.
		c.err = c.cmd.Wait()
		c.end = time.Now()
		close(c.exited)
	}()
	return c, nil
}

// wait waits for the process to exit, at most d; it kills it after that.
func (c *child) wait(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.exited:
		return c.err
	case <-t.C:
		c.signal(syscall.SIGKILL)
		<-c.exited
		return fmt.Errorf("still running after %s, killed", d)
	}
}

// stop asks the process to end (SIGTERM, as Ctrl+C would) and kills it if
// it does not within 10 seconds.
func (c *child) stop() error {
	c.signal(syscall.SIGTERM)
	return c.wait(10 * time.Second)
}

func (c *child) signal(sig syscall.Signal) {
	if c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(sig)
	}
}

func (c *child) seconds() float64 { return c.end.Sub(c.start).Seconds() }

// rssMiB is the peak resident set size of the exited process (ru_maxrss is
// in KiB on Linux).
func (c *child) rssMiB() float64 {
	if c.cmd.ProcessState == nil {
		return 0
	}
	ru, ok := c.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}

// failure describes why the process failed, for an error message.
func (c *child) failure(err error) string {
	msg := strings.TrimSpace(c.stderr.String())
	if err == nil {
		err = c.err
	}
	switch {
	case msg != "" && err != nil:
		return fmt.Sprintf("%v: %s", err, msg)
	case msg != "":
		return msg
	case err != nil:
		return err.Error()
	}
	return "?"
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
