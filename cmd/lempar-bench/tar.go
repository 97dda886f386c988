//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// tarOnce is the small-files reference: `tar c` piped through a loopback
// TCP connection into `tar x`, then one syncfs, because a Lempar transfer
// also ends with the files durable. It returns the seconds from starting
// tar c until the sync returned, with the peak RSS and CPU time of tar c
// (as the sender) and tar x (as the receiver).
func tarOnce(ctx context.Context, src, dst string) (lemparRun, error) {
	var r lemparRun
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return r, err
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()

	start := time.Now()
	extracted := make(chan error, 1)
	var cRSS, xRSS float64
	x := exec.CommandContext(ctx, "tar", "-x", "-f", "-", "-C", dst)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			extracted <- err
			return
		}
		defer c.Close()
		// A net.Conn as stdin is copied (spliced) into tar by os/exec.
		x.Stdin = c
		extracted <- runTar(x, &xRSS)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return r, err
	}
	create := exec.CommandContext(ctx, "tar", "-c", "-f", "-", "-C", src, ".")
	create.Stdout = c
	cerr := runTar(create, &cRSS)
	c.Close()
	if err := errors.Join(cerr, <-extracted); err != nil {
		return r, err
	}
	if err := syncDir(dst); err != nil {
		return r, err
	}
	r.secs = time.Since(start).Seconds()
	_, r.cpuTx = usage(create.ProcessState)
	_, r.cpuRx = usage(x.ProcessState)
	r.rssTx, r.rssRx = cRSS, xRSS
	return r, nil
}

// runTar runs c to the end, following its peak RSS.
func runTar(c *exec.Cmd, rss *float64) error {
	out := &tailBuffer{max: 2 << 10}
	c.Stderr = out
	if err := c.Start(); err != nil {
		return fmt.Errorf("%s: %v", c.String(), err)
	}
	exited := make(chan struct{})
	w := watchRSS(c.Process.Pid, exited)
	err := c.Wait()
	close(exited)
	*rss = w.peakMiB(c.ProcessState)
	if err != nil {
		return fmt.Errorf("%s: %v: %s", c.String(), err, out.String())
	}
	return nil
}

// usage is the peak RSS (MiB, from ru_maxrss) and CPU seconds of an
// exited process.
func usage(ps *os.ProcessState) (rss, cpu float64) {
	if ps == nil {
		return 0, 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		rss = float64(ru.Maxrss) / 1024
	}
	return rss, (ps.UserTime() + ps.SystemTime()).Seconds()
}
