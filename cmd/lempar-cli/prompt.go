package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/transfer"
)

// prompter asks on the terminal whether to accept an offer. Offers are
// asked one at a time; lines typed are read by one goroutine so an expired
// offer doesn't swallow the answer meant for the next.
type prompter struct {
	tr    *i18n.Translator
	out   io.Writer
	quiet bool // --json: the question goes to stdout as an event instead
	// clash reports a known name arriving with another identity.
	clash func(name, id string) bool

	once  sync.Once
	in    io.Reader
	lines chan string
	mu    sync.Mutex // one question on screen at a time
}

func newPrompter(tr *i18n.Translator, in io.Reader, out io.Writer) *prompter {
	return &prompter{tr: tr, in: in, out: out, lines: make(chan string)}
}

func (p *prompter) start() {
	go func() {
		sc := bufio.NewScanner(p.in)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
}

func (p *prompter) Decide(ctx context.Context, r *transfer.Request) transfer.Answer {
	p.once.Do(p.start)
	p.mu.Lock()
	defer p.mu.Unlock()
	files, dirs, texts := r.Offer.Count()
	fmt.Fprintln(p.out)
	fmt.Fprintln(p.out, p.tr.T("cli.offer.title", "Name", r.Peer.Name, "Addr", r.Peer.Addr, "ID", transfer.ShortID(r.Peer.ID)))
	fmt.Fprintln(p.out, p.tr.T("cli.offer.summary", "Files", files, "Dirs", dirs, "Texts", texts, "Size", p.tr.Size(r.Offer.Total())))
	shown := 0
	for _, it := range r.Offer.Items {
		if shown == 10 {
			fmt.Fprintln(p.out, "  "+p.tr.T("cli.offer.more", "N", len(r.Offer.Items)-shown))
			break
		}
		switch it.Kind {
		case transfer.KindFile:
			fmt.Fprintf(p.out, "  %s  (%s)\n", it.Path, p.tr.Size(it.Size))
		case transfer.KindDir:
			fmt.Fprintf(p.out, "  %s/\n", it.Path)
		case transfer.KindText:
			fmt.Fprintf(p.out, "  \"%s\"\n", truncate(strings.ReplaceAll(it.Text, "\n", " "), 60))
		}
		shown++
	}
	if p.clash != nil && p.clash(r.Peer.Name, r.Peer.ID) {
		fmt.Fprintln(p.out, p.tr.T("ui.offer.clash", "Peer", r.Peer.Name))
	}
	fmt.Fprintln(p.out, p.tr.T("cli.offer.code", "Code", transfer.FormatCode(r.Code), "Name", r.Peer.Name))
	fmt.Fprintln(p.out, p.tr.T("cli.offer.dir", "Dir", r.Dir))
	fmt.Fprint(p.out, p.tr.T("cli.offer.question")+" ")
	select {
	case line, ok := <-p.lines:
		if !ok {
			fmt.Fprintln(p.out)
			return transfer.Answer{}
		}
		a := strings.ToLower(strings.TrimSpace(line))
		return transfer.Answer{Accept: a == "y" || a == "yes" || a == "ya" || a == "iya"}
	case <-ctx.Done():
		fmt.Fprintln(p.out)
		fmt.Fprintln(p.out, p.tr.T("cli.offer.gone"))
		return transfer.Answer{}
	}
}
