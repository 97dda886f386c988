package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/transfer"
)

// prompter asks on the terminal whether to accept an offer. Offers are
// asked one at a time. One goroutine reads every line typed and stamps it
// with the time it arrived, so an answer only counts for a question that
// was on screen before it was typed: a 'y' typed earlier (for an offer
// that expired, or by accident) never accepts the next offer.
type prompter struct {
	tr *i18n.Translator
	// out gets the offer; names and file names come from the peer, and the
	// caller may wrap it to neutralise escape sequences in them.
	out io.Writer
	// raw is the same stream unfiltered, for the countdown's cursor moves;
	// tty says both ends are a terminal, so the countdown is redrawn in
	// place rather than told once as a deadline.
	raw   io.Writer
	tty   bool
	flush func() // discards type-ahead on a terminal; nil elsewhere
	quiet bool   // --json: the outcome is an event on stdout; say it here too
	// clash reports a known name arriving with another identity.
	clash func(name, id string) bool

	once  sync.Once
	in    io.Reader
	input chan struct{} // a line arrived or input ended (capacity 1)
	qmu   sync.Mutex    // guards queue and eof
	queue []typedLine
	eof   bool
	mu    sync.Mutex // one question on screen at a time
}

type typedLine struct {
	text string
	at   time.Time
}

// maxTyped bounds the lines kept while no question waits for them: only
// the newest can answer anything.
const maxTyped = 16

func newPrompter(tr *i18n.Translator, in io.Reader, out io.Writer) *prompter {
	p := &prompter{tr: tr, in: in, out: out, raw: out, input: make(chan struct{}, 1)}
	// Read from the start, not from the first question: a line typed (or
	// piped) ahead must be stamped when it came, or it would read as an
	// answer to the first offer.
	defer p.once.Do(p.start)
	fin, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(fin.Fd())) {
		return p
	}
	// The question is asked on stderr; out may be a filter over it, so the
	// cursor moves go to stderr itself.
	raw, ok := out.(*os.File)
	if !ok {
		raw = os.Stderr
	}
	if term.IsTerminal(int(raw.Fd())) {
		p.raw, p.tty = raw, true
		p.flush = func() { flushTypeahead(fin) }
	}
	return p
}

func (p *prompter) start() {
	go func() {
		sc := bufio.NewScanner(p.in)
		for sc.Scan() {
			p.qmu.Lock()
			p.queue = append(p.queue, typedLine{text: sc.Text(), at: time.Now()})
			if len(p.queue) > maxTyped {
				p.queue = p.queue[len(p.queue)-maxTyped:]
			}
			p.qmu.Unlock()
			p.signal()
		}
		p.qmu.Lock()
		p.eof = true
		p.qmu.Unlock()
		p.signal()
	}()
}

func (p *prompter) signal() {
	select {
	case p.input <- struct{}{}:
	default:
	}
}

// take returns the first line typed after since, dropping older ones;
// done reports that input has ended with no such line.
func (p *prompter) take(since time.Time) (line string, ok, done bool) {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	for len(p.queue) > 0 {
		l := p.queue[0]
		p.queue = p.queue[1:]
		if l.at.After(since) {
			return l.text, true, false
		}
	}
	return "", false, p.eof
}

func (p *prompter) Decide(ctx context.Context, r *transfer.Request) transfer.Answer {
	p.once.Do(p.start)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.showOffer(r)
	question := p.tr.T("cli.offer.question")
	// Answers count from just before the question is printed: a reply to
	// it can arrive before printing returns (a script that waits for the
	// question, or a fast typist), and must not read as typed earlier.
	shown := time.Now()
	if p.tty {
		// Keys pressed before the question (even without Enter) must not
		// answer it.
		if p.flush != nil {
			p.flush()
		}
		fmt.Fprint(p.out, p.countdown(r.Expires)+" "+question+" ")
	} else {
		fmt.Fprintln(p.out, p.tr.T("cli.offer.deadline", "Time", clock(time.Until(r.Expires)), "Clock", r.Expires.Local().Format("15:04:05")))
		fmt.Fprint(p.out, question+" ")
	}
	var tick <-chan time.Time
	if p.tty {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		tick = t.C
	}
	for {
		line, ok, done := p.take(shown)
		switch {
		case ok:
			a := strings.ToLower(strings.TrimSpace(line))
			if keep, isPick, bad := pick(r.Offer, a); isPick && bad == "" {
				return transfer.Answer{Accept: true, Items: keep}
			} else if isPick {
				// A number that names no item: ask again, the clock running.
				fmt.Fprint(p.out, p.tr.T("cli.offer.pick.bad", "Number", bad)+" "+question+" ")
				shown = time.Now()
				continue
			}
			return transfer.Answer{Accept: a == "y" || a == "yes" || a == "ya" || a == "iya"}
		case done:
			fmt.Fprintln(p.out)
			return transfer.Answer{}
		}
		select {
		case <-p.input:
		case <-tick:
			p.redraw(r.Expires)
		case <-ctx.Done():
			expired := errors.Is(ctx.Err(), context.DeadlineExceeded) || !time.Now().Before(r.Expires)
			if expired && p.tty {
				p.redraw(r.Expires)
			}
			fmt.Fprintln(p.out)
			// Without --json the receiver's summary line follows and says
			// what happened; with it, that goes to stdout as an event.
			if p.quiet {
				if expired {
					fmt.Fprintln(p.out, p.tr.T("err.offer-expired", "Name", r.Peer.Name))
				} else {
					fmt.Fprintln(p.out, p.tr.T("cli.offer.gone"))
				}
			}
			return transfer.Answer{}
		}
	}
}

// showOffer prints who offers what, the code to compare and where it goes.
func (p *prompter) showOffer(r *transfer.Request) {
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
	if !r.Peer.Verified {
		fmt.Fprintln(p.out, p.tr.T("ui.offer.unverified", "Peer", r.Peer.Name))
	}
	fmt.Fprintln(p.out, p.tr.T("cli.offer.code", "Code", transfer.FormatCode(r.Code), "Name", r.Peer.Name))
	fmt.Fprintln(p.out, p.tr.T("cli.offer.dir", "Dir", r.Dir))
	p.showPick(r)
}

// countdown is the time left as the prompt line starts with it: "[1:59
// left]". Its width stays the same from 9:59 down to 0:00, so redrawing
// it leaves what the person has typed after the question in place.
func (p *prompter) countdown(expires time.Time) string {
	return "[" + p.tr.T("cli.offer.left", "Time", clock(time.Until(expires))) + "]"
}

// redraw rewrites the countdown at the start of the prompt line and puts
// the cursor back where the person is typing (save/restore cursor, which
// every VT100-style terminal knows). The terminal keeps the typed
// characters in its own line buffer; nothing is read or discarded here.
func (p *prompter) redraw(expires time.Time) {
	fmt.Fprint(p.raw, "\x1b7\r"+p.countdown(expires)+"\x1b8")
}

// clock is d rounded up to whole seconds ("1:59" until a full 2:00 is
// left; 0:00 only when time is up).
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return i18n.FormatClock(((d + time.Second - 1) / time.Second) * time.Second)
}
