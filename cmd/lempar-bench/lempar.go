//go:build linux

package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/lempar/lempar/transfer"
)

// startTimeout bounds how long a receiver or helper may take to listen.
const startTimeout = 15 * time.Second

// receiver is a `lempar-cli receive --yes` process on 127.0.0.1.
type receiver struct {
	*child
	port int
}

// startReceiver starts a fresh receiver saving into dir, so its peak RSS
// belongs to one transfer. The config folder is shared by every run, so a
// restarted receiver finds its own partial files again.
func (b *bench) startReceiver(ctx context.Context, dir string, onEvent func(cliEvent)) (*receiver, error) {
	args := []string{"receive", "--port", "0", "--listen", "127.0.0.1", "--yes", "--json",
		"--config", b.path("rx"), "--dir", dir}
	ports := make(chan int, 1)
	c, err := startChild(ctx, b.cli, args, func(e cliEvent) {
		switch e.Event {
		case "listening":
			select {
			case ports <- e.Port:
			default:
			}
		case "transfer":
			if onEvent != nil {
				onEvent(e)
			}
		}
	})
	if err != nil {
		return nil, benchErr("cli.bench.err.receiver", err.Error())
	}
	port, err := waitPort(c, ports)
	if err != nil {
		return nil, benchErr("cli.bench.err.receiver", err.Error())
	}
	return &receiver{child: c, port: port}, nil
}

// waitPort waits for a child's "listening" line.
func waitPort(c *child, ports <-chan int) (int, error) {
	t := time.NewTimer(startTimeout)
	defer t.Stop()
	select {
	case p := <-ports:
		return p, nil
	case <-c.exited:
		return 0, fmt.Errorf("%s", c.failure(nil))
	case <-t.C:
		_ = c.wait(0)
		return 0, fmt.Errorf("%s", c.failure(fmt.Errorf("not listening after %s", startTimeout)))
	}
}

// startSend starts `lempar-cli send --json [flags] paths` to
// 127.0.0.1:port. last gets the sender's last event once the child has
// exited.
func (b *bench) startSend(ctx context.Context, port int, flags, paths []string, last *cliEvent) (*child, error) {
	args := append([]string{"send", "--json", "--config", b.path("tx"), "--to", "127.0.0.1:" + strconv.Itoa(port)}, flags...)
	args = append(args, paths...)
	c, err := startChild(ctx, b.cli, args, func(e cliEvent) {
		if e.Event == "transfer" {
			*last = e // read only after c.exited, which the reader closes
		}
	})
	if err != nil {
		return nil, benchErr("cli.bench.err.send", err.Error())
	}
	return c, nil
}

// sendTimeout is generous: a broken transfer should fail the benchmark,
// not hang it, but a slow disk is not broken.
func sendTimeout(bytes int64) time.Duration {
	return 2*time.Minute + time.Duration(bytes/(5<<20))*time.Second
}

// lemparRun is one measured Lempar transfer.
type lemparRun struct {
	secs         float64 // sender start to sender exit (after the receiver's ack)
	sent         int64   // bytes the sender put on the wire, from its final event
	rssTx, rssRx float64
	cpuTx, cpuRx float64 // CPU seconds, to tell a CPU bound from a disk bound
}

// lemparOnce sends paths to a fresh receiver saving into dl and times the
// sender process from its start to its exit: identity, handshake, offer,
// data, the receiver's fsync and rename, and the final ack.
func (b *bench) lemparOnce(ctx context.Context, dl string, paths []string, bytes int64) (lemparRun, error) {
	rx, err := b.startReceiver(ctx, dl, nil)
	if err != nil {
		return lemparRun{}, err
	}
	var last cliEvent
	tx, err := b.startSend(ctx, rx.port, nil, paths, &last)
	if err != nil {
		_ = rx.stop()
		return lemparRun{}, err
	}
	werr := tx.wait(sendTimeout(bytes))
	rerr := rx.stop()
	if werr != nil || last.State != string(transfer.StateDone) {
		return lemparRun{}, benchErr("cli.bench.err.send", tx.failure(werr)+" "+last.Error)
	}
	if rerr != nil {
		return lemparRun{}, benchErr("cli.bench.err.receiver", rx.failure(rerr))
	}
	return lemparRun{secs: tx.seconds(), sent: last.Sent, rssTx: tx.rssMiB(), rssRx: rx.rssMiB(),
		cpuTx: tx.cpuSeconds(), cpuRx: rx.cpuSeconds()}, nil
}

func benchErr(key, detail string) error {
	return &benchError{Key: key, Args: []any{"Detail", detail}}
}
