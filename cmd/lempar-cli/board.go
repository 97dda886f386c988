package main

import (
	"fmt"
	"strings"
	"sync"
)

// board shows one progress line per device on a terminal, redrawn in
// place, for a send to several devices. Messages printed with say appear
// above it.
type board struct {
	p *progressLine

	mu    sync.Mutex // guards lines, drawn
	lines []string
	drawn int // lines of the board on screen now
}

func newBoard(p *progressLine, n int) *board { return &board{p: p, lines: make([]string, n)} }

// set replaces line i and redraws.
func (b *board) set(i int, line string) {
	if !b.p.tty {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines[i] = line
	b.erase()
	var out strings.Builder
	for j, l := range b.lines {
		if j > 0 {
			out.WriteString("\n")
		}
		out.WriteString("\r\x1b[K" + truncate(termSafe(l), b.p.width-1))
	}
	fmt.Fprint(b.p.w, out.String())
	b.drawn = len(b.lines)
}

// say prints a message above the board.
func (b *board) say(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.p.tty {
		b.erase()
	}
	fmt.Fprintln(b.p.w, termText(msg))
	b.drawn = 0
}

// erase moves to the board's first line and clears it and everything
// below. Callers hold mu.
func (b *board) erase() {
	if b.drawn == 0 {
		return
	}
	if b.drawn > 1 {
		fmt.Fprintf(b.p.w, "\x1b[%dA", b.drawn-1)
	}
	fmt.Fprint(b.p.w, "\r\x1b[J")
	b.drawn = 0
}
