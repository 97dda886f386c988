//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"time"
)

// tarOnce is the small-files reference: `tar c` piped through a loopback
// TCP connection into `tar x`, then one syncfs, because a Lempar transfer
// also ends with the files durable. It returns the seconds from starting
// tar c until the sync returned.
func tarOnce(ctx context.Context, src, dst string) (float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()

	start := time.Now()
	extracted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			extracted <- err
			return
		}
		defer c.Close()
		x := exec.CommandContext(ctx, "tar", "-x", "-f", "-", "-C", dst)
		// A net.Conn as stdin is copied (spliced) into tar by os/exec.
		x.Stdin = c
		extracted <- runTar(x)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return 0, err
	}
	create := exec.CommandContext(ctx, "tar", "-c", "-f", "-", "-C", src, ".")
	create.Stdout = c
	cerr := runTar(create)
	c.Close()
	if err := errors.Join(cerr, <-extracted); err != nil {
		return 0, err
	}
	if err := syncDir(dst); err != nil {
		return 0, err
	}
	return time.Since(start).Seconds(), nil
}

func runTar(c *exec.Cmd) error {
	out := &tailBuffer{max: 2 << 10}
	c.Stderr = out
	if err := c.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", c.String(), err, out.String())
	}
	return nil
}
