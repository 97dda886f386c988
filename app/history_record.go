package app

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/savedir"
	"github.com/lempar/lempar/transfer"
)

// HistoryError is how a transfer ended badly, kept as its code, message key
// and arguments so it can be worded in whatever language the reader has
// chosen by the time it is shown.
type HistoryError struct {
	Code string       `json:"code"` // errcode name, stable
	Key  string       `json:"key,omitempty"`
	Args []HistoryArg `json:"args,omitempty"`
	// Cause is what the engine adds after the message, the cause in
	// words ("(the disk is full)"), by language code: causes are the
	// operating system's, with no key of ours to keep.
	Cause map[string]string `json:"cause,omitempty"`
	// Texts holds an error that carries no key we can keep (a store
	// error), rendered in every shipped language, by language code.
	Texts map[string]string `json:"texts,omitempty"`
}

// HistoryArg is one placeholder value; a size is kept as a number so it
// is written in the reader's language ("1,2 GB").
type HistoryArg struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
	Bytes *int64 `json:"bytes,omitempty"`
}

type localizer interface{ Localize(*i18n.Translator) string }

// historyError keeps err for the history.
func historyError(err error) *HistoryError {
	if err == nil {
		return nil
	}
	h := &HistoryError{Code: transfer.CodeOf(err).String()}
	var te *transfer.Error
	var se *savedir.Error
	switch {
	case errors.As(err, &te):
		h.Key, h.Args = te.Key, historyArgs(te.Args)
		if h.Key == "" {
			h.Key = te.Code.Key()
		}
		err = te
	case errors.As(err, &se):
		h.Key, h.Args = se.Code.Key(), historyArgs(se.Args)
		err = se
	default:
		h.Texts = renderAll(err)
		return h
	}
	// Whatever the engine words after the message is kept per language.
	for l, full := range renderAll(err) {
		if rest := strings.TrimPrefix(full, h.message(i18n.Load(l))); rest != "" && rest != full {
			if h.Cause == nil {
				h.Cause = map[string]string{}
			}
			h.Cause[l] = rest
		}
	}
	return h
}

func historyArgs(args []any) []HistoryArg {
	var out []HistoryArg
	for i := 0; i+1 < len(args); i += 2 {
		a := HistoryArg{Name: fmt.Sprint(args[i])}
		if b, ok := args[i+1].(i18n.Bytes); ok {
			n := int64(b)
			a.Bytes = &n
		} else {
			a.Value = fmt.Sprint(args[i+1])
		}
		out = append(out, a)
	}
	return out
}

// renderAll words err in every shipped language; one that is no message of
// ours is the same text in each.
func renderAll(err error) map[string]string {
	m := map[string]string{}
	for _, l := range i18n.Locales {
		var lz localizer
		if errors.As(err, &lz) {
			m[l] = lz.Localize(i18n.Load(l))
		} else {
			m[l] = err.Error()
		}
	}
	return m
}

// Localize words the error in tr's language.
func (h *HistoryError) Localize(tr *i18n.Translator) string {
	if h.Key == "" {
		return pickText(h.Texts, tr.Lang())
	}
	return h.message(tr) + pickText(h.Cause, tr.Lang())
}

func (h *HistoryError) message(tr *i18n.Translator) string {
	var args []any
	for _, a := range h.Args {
		if a.Bytes != nil {
			args = append(args, a.Name, i18n.Bytes(*a.Bytes))
		} else {
			args = append(args, a.Name, a.Value)
		}
	}
	return tr.T(h.Key, args...)
}

func pickText(m map[string]string, lang string) string {
	if s, ok := m[lang]; ok {
		return s
	}
	return m["en"]
}

// Class is the error's class (declined, expired, cancelled, failed, …).
func (h *HistoryError) Class() errcode.Class {
	c, _ := errcode.Parse(h.Code)
	return c.Class()
}

// sessionNote is what is known about a session before it ends: what was
// offered and when it began. Engine events carry counts, not names.
type sessionNote struct {
	kind    string
	count   int
	items   []string
	text    string
	sources []string
	started time.Time
	// partials: incoming only, see HistoryEntry.Partials.
	partials map[string]int64
}

// historyText is what history keeps of a text: its first
// transfer.MaxTextBytes (256 KiB), cut on a character boundary and marked
// with "…". LocalSend messages may be 1 MiB; MaxHistory of those would
// make a 500 MiB file, rewritten at every transfer. The transfer's own row
// has the whole text.
func historyText(s string) string {
	if len(s) <= transfer.MaxTextBytes {
		return s
	}
	cut := transfer.MaxTextBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// noteOffer summarises an incoming offer by its top-level items.
func noteOffer(items []transfer.Item) sessionNote {
	n := sessionNote{started: time.Now()}
	seen := map[string]bool{}
	for _, it := range items {
		if it.Kind == transfer.KindText {
			n.add(KindText, "")
			if n.text == "" {
				n.text = historyText(it.Text)
			}
			continue
		}
		top, _, nested := strings.Cut(it.Path, "/")
		if seen[top] {
			continue
		}
		seen[top] = true
		kind := KindFile
		if nested || it.Kind == transfer.KindDir {
			kind = KindDir
		}
		n.add(kind, top)
	}
	return n
}

// maxNotedPartials bounds the partial names an entry keeps.
const maxNotedPartials = 200

// notePartials names the partial files the offer's files from peerID would
// use, so what an unfinished receive leaves can be told apart later.
func (n *sessionNote) notePartials(peerID string, items []transfer.Item) {
	for _, it := range items {
		if it.Kind != transfer.KindFile {
			continue
		}
		if len(n.partials) >= maxNotedPartials {
			return
		}
		if n.partials == nil {
			n.partials = map[string]int64{}
		}
		n.partials[path.Base(savedir.PartialName(peerID, it.Path, it.Size, it.MTime))] = it.Size
	}
}

// noteSources summarises an outgoing send, keeping the local top-level
// paths for a Retry after a restart.
func noteSources(srcs []transfer.Source) sessionNote {
	items := make([]transfer.Item, len(srcs))
	seen := map[string]bool{}
	var local []string
	for i, s := range srcs {
		items[i] = s.Item
		if s.Local == "" || s.Kind == transfer.KindText {
			continue
		}
		top, _, _ := strings.Cut(s.Path, "/")
		// Local ends in the item's path; what precedes its first element
		// is the folder the person picked from.
		p := strings.TrimSuffix(s.Local, filepath.FromSlash(s.Path)) + filepath.FromSlash(top)
		if !seen[p] {
			seen[p] = true
			local = append(local, p)
		}
	}
	n := noteOffer(items)
	n.sources = local
	return n
}

func (n *sessionNote) add(kind, name string) {
	if n.count == 0 {
		n.kind = kind
	}
	n.count++
	if name != "" && len(n.items) < MaxHistoryItems {
		n.items = append(n.items, name)
	}
}

// historyEntry builds the entry for a session that ended with e.
func historyEntry(e transfer.Event, note sessionNote, ok bool) HistoryEntry {
	h := HistoryEntry{
		ID: e.Session, Direction: string(e.Direction), PeerID: e.Peer.ID, PeerName: e.Peer.Name,
		Files: e.Files, Bytes: e.Total, Done: e.Done, State: string(e.State),
		Skipped: e.Skipped, SkippedItems: e.SkippedItems,
		Err: historyError(e.Err), Finished: time.Now(),
	}
	if ok {
		h.Kind, h.Count, h.Items, h.Text, h.Sources, h.Started = note.kind, note.count, note.items, note.text, note.sources, note.started
		if e.State != transfer.StateDone {
			h.Partials = note.partials
		}
	}
	if h.Started.IsZero() {
		h.Started = h.Finished
	}
	if e.Direction != transfer.Incoming {
		return h
	}
	h.Dir = e.Dir
	// Name the items by what was saved: a taken name became "report (1).pdf".
	var tops []string
	seen := map[string]bool{}
	for _, s := range e.Saved {
		top, _, _ := strings.Cut(s, "/")
		if !seen[top] {
			seen[top] = true
			tops = append(tops, top)
			h.Paths = append(h.Paths, filepath.Join(e.Dir, filepath.FromSlash(top)))
		}
	}
	if !ok {
		// No offer seen (a session resumed from before a restart): the
		// saved names are all there is.
		for _, t := range tops {
			h.Count++
			if len(h.Items) < MaxHistoryItems {
				h.Items = append(h.Items, t)
			}
		}
		if len(tops) > 0 {
			h.Kind = KindFile
		}
		if len(e.Texts) > 0 {
			h.Count += len(e.Texts)
			h.Text = e.Texts[0]
			if h.Kind == "" {
				h.Kind = KindText
			}
		}
	}
	if len(tops) == 1 && ok && h.Count == 1 && h.Kind != KindText {
		h.Items = []string{tops[0]}
	}
	switch {
	case len(h.Paths) == 1:
		h.SavedTo = h.Paths[0]
	case len(h.Paths) > 1:
		h.SavedTo = e.Dir
	}
	if h.Text == "" && len(e.Texts) > 0 {
		h.Text = e.Texts[0]
	}
	return h
}

// ErrorIn words the entry's error in tr's language ("" when none).
func (h HistoryEntry) ErrorIn(tr *i18n.Translator) string {
	if h.Err != nil {
		return h.Err.Localize(tr)
	}
	return h.Error
}

// maxNotes bounds the sessions noted at once; a note outlives its session
// only if the session never ended, which a bug would have to cause.
const maxNotes = 1000

// note remembers what session offers until it ends.
func (h *History) note(session string, n sessionNote) {
	if h == nil || session == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.notes == nil {
		h.notes = map[string]sessionNote{}
	}
	if len(h.notes) >= maxNotes {
		for k, o := range h.notes {
			if time.Since(o.started) > 24*time.Hour {
				delete(h.notes, k)
			}
		}
	}
	if _, ok := h.notes[session]; !ok || len(h.notes) < maxNotes {
		h.notes[session] = n
	}
}

// take returns and forgets the note of session.
func (h *History) take(session string) (sessionNote, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, ok := h.notes[session]
	delete(h.notes, session)
	return n, ok
}
