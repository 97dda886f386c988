package ui

import (
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lempar/lempar/ui/uitest"
)

// testNow is the fixed "now" of every UI test, so texts like "3 min ago"
// and snapshots do not depend on the clock.
var testNow = time.Date(2025, 3, 14, 10, 30, 0, 0, time.UTC)

// clock is a manual clock and timer queue: timers fire only when a test
// advances time, on the test's goroutine.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []timer
}

type timer struct {
	at time.Time
	f  func()
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) After(d time.Duration, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = append(c.timers, timer{c.now.Add(d), f})
}

// Advance moves time on and runs the timers that came due.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due, rest []timer
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			due = append(due, t)
		} else {
			rest = append(rest, t)
		}
	}
	c.timers = rest
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
}

// newTestGUI opens the window on a test app with the demo's self and
// settings but no devices, in English unless lang says otherwise.
func newTestGUI(t *testing.T, lang Language) (*GUI, *uitest.Fake, *clock) {
	t.Helper()
	f := uitest.NewFake(SelfInfo{Name: "Budi's ThinkPad", ID: "a3f9c0de", Fingerprint: "a3f9…1c21", Visibility: Visible},
		Settings{DeviceName: "Budi's ThinkPad", DownloadDir: "/home/budi/Downloads/Lempar", Visibility: Visible, Language: lang, Port: 47110})
	g, c := openTestGUI(t, f)
	return g, f, c
}

func openTestGUI(t *testing.T, f *uitest.Fake) (*GUI, *clock) {
	t.Helper()
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "en_US.UTF-8")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	a := test.NewTempApp(t)
	c := &clock{now: testNow}
	g := newGUI(a, f, options{
		systemLang: "en",
		now:        c.Now,
		after:      c.After,
		background: func(work func() func()) {
			then := work()
			if then != nil {
				then()
			}
		},
		redrawEvery: 100 * time.Millisecond,
	})
	g.win.Resize(fyne.NewSize(960, 620))
	t.Cleanup(g.Close)
	return g, c
}

// topDialogButton finds a button with the given text in the topmost overlay.
func topDialogButton(t *testing.T, g *GUI, text string) *widget.Button {
	t.Helper()
	top := g.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog open; wanted a %q button", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		b, ok := o.(*widget.Button)
		if kb, isKey := o.(*keyButton); isKey {
			b, ok = &kb.Button, true
		}
		if ok && b.Text == text && b.Visible() {
			return b
		}
	}
	t.Fatalf("no %q button in the open dialog", text)
	return nil
}

// overlayTexts lists the label texts in the topmost overlay.
func overlayTexts(g *GUI) []string {
	top := g.win.Canvas().Overlays().Top()
	if top == nil {
		return nil
	}
	var out []string
	for _, o := range test.LaidOutObjects(top) {
		switch w := o.(type) {
		case *widget.Label:
			if w.Visible() {
				out = append(out, w.Text)
			}
		case *widget.RichText:
			if w.Visible() {
				out = append(out, w.String())
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
