package ui

import (
	"log"
	"os"
	"sort"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
)

// GUI is Lempar's main window and the screens and dialogs it opens. All its
// fields are touched on the UI thread only; backend events arrive through
// fyne.Do.
type GUI struct {
	app fyne.App
	win fyne.Window
	b   Backend
	opt options

	stopEvents func()
	throttle   *throttle

	self      SelfInfo
	settings  Settings
	peers     map[string]PeerInfo
	selected  map[string]bool
	transfers []TransferInfo // newest first
	offers    offerQueue
	pins      map[string]*pinDialog // open PIN dialogs by transfer ID
	textShown map[string]bool
	texts     textQueue       // received texts, shown one at a time
	notified  map[string]bool // outgoing transfers whose code was announced
	keys      []keyBinding    // Enter and Esc of open dialogs
	screen    screen

	// Choosing what to send (send.go): the desktop's chooser is open
	// (picking), or known to be missing (noPortal); the folder last picked
	// from; the send sheet on screen; the open dialogs' "Send to:" lists.
	picking  bool
	noPortal bool
	lastDir  string
	sheet    *openSheet
	sendTo   []*recipients

	// Whether the desktop shows tray icons (desktop.go), asked once.
	trayOnce sync.Once
	trayHost bool

	w widgets // rebuilt whenever the language changes
}

// options are the seams tests use to make time and threads deterministic.
type options struct {
	systemLang string
	now        func() time.Time
	// after runs f once d has passed, on any goroutine.
	after func(d time.Duration, f func())
	// background runs work off the UI thread; the func it returns (if any)
	// then runs on the UI thread.
	background  func(work func() func())
	redrawEvery time.Duration
	// trace logs what the window shows, for end-to-end tests that cannot
	// read pixels (LEMPAR_TRACE_UI=1); nil logs nothing.
	trace func(format string, args ...any)
	// native asks the desktop's file chooser (nil: Lempar's own).
	native func(pickRequest) ([]string, error)
}

func (o options) tracef(format string, args ...any) {
	if o.trace != nil {
		o.trace(format, args...)
	}
}

func defaultOptions() options {
	return options{
		systemLang: SystemLanguage(),
		now:        time.Now,
		after:      func(d time.Duration, f func()) { time.AfterFunc(d, f) },
		background: func(work func() func()) {
			go func() {
				if then := work(); then != nil {
					fyne.Do(then)
				}
			}()
		},
		redrawEvery: 100 * time.Millisecond,
		trace:       uiTrace(),
		native:      portalPick,
	}
}

func uiTrace() func(string, ...any) {
	if os.Getenv("LEMPAR_TRACE_UI") == "" {
		return nil
	}
	return func(format string, args ...any) { log.Printf("ui: "+format, args...) }
}

type screen int

const (
	screenMain screen = iota
	screenHistory
	screenKnown
	screenSettings
)

// Run shows Lempar's window for b and runs the app until the person quits.
// Call it from main, on the main goroutine.
func Run(a fyne.App, b Backend) {
	g := New(a, b)
	g.Window().Show()
	a.Run()
	g.Close()
}

// New builds the main window for b without showing it: Run shows it, the
// screenshot tool captures it. Call on the main goroutine before a.Run.
func New(a fyne.App, b Backend) *GUI {
	return newGUI(a, b, defaultOptions())
}

func newGUI(a fyne.App, b Backend, opt options) *GUI {
	g := &GUI{
		app: a, b: b, opt: opt,
		peers:     map[string]PeerInfo{},
		selected:  map[string]bool{},
		textShown: map[string]bool{},
		notified:  map[string]bool{},
		pins:      map[string]*pinDialog{},
	}
	g.settings = b.Settings()
	g.self = b.Self()
	applyLanguage(resolveLanguage(g.settings.Language, opt.systemLang))
	if a.Icon() == nil {
		a.SetIcon(appIcon())
	}
	g.win = a.NewWindow(lang.L("app.name"))
	g.win.Resize(fyne.NewSize(960, 620))
	g.win.SetOnDropped(g.onDropped)
	g.throttle = newThrottle(opt.redrawEvery, opt.now, opt.after, g.applyTransfers)
	g.rebuild()
	g.setupDesktop()
	g.stopEvents = b.Subscribe(g.onEvent)
	g.tellExpired()
	if opt.trace != nil {
		// Tests of a --background start look for the window only once the
		// app runs: a window shown at start is mapped by then.
		a.Lifecycle().SetOnStarted(func() { g.opt.tracef("running") })
	}
	return g
}

// Window is the main window.
func (g *GUI) Window() fyne.Window { return g.win }

// Close stops listening to the backend.
func (g *GUI) Close() {
	if g.stopEvents != nil {
		g.stopEvents()
		g.stopEvents = nil
	}
}

// rebuild creates every widget again, in the current language, keeping the
// state and the screen that is open.
func (g *GUI) rebuild() {
	g.w = widgets{}
	g.win.SetTitle(lang.L("app.name"))
	g.win.SetContent(g.buildScreen())
	g.refreshPeers()
	g.refreshTransfers()
	g.updateTray()
}

func (g *GUI) buildScreen() fyne.CanvasObject {
	switch g.screen {
	case screenHistory:
		return g.historyScreen()
	case screenKnown:
		return g.knownScreen()
	case screenSettings:
		return g.settingsScreen()
	}
	return g.mainScreen()
}

func (g *GUI) show(s screen) {
	g.screen = s
	g.win.SetContent(g.buildScreen())
	if s == screenMain {
		g.refreshPeers()
		g.refreshTransfers()
	}
}

// onEvent receives backend events on the backend's goroutine.
func (g *GUI) onEvent(e Event) {
	if t, ok := e.(TransferUpdated); ok {
		g.throttle.put(t.Transfer)
		return
	}
	fyne.Do(func() { g.apply(e) })
}

func (g *GUI) apply(e Event) {
	switch e := e.(type) {
	case PeerSeen:
		g.peers[e.Peer.ID] = e.Peer
		g.refreshPeers()
	case PeerLost:
		delete(g.peers, e.ID)
		delete(g.selected, e.ID)
		g.refreshPeers()
	case OfferReceived:
		g.offers.push(e.Offer)
		g.notify(lang.L("ui.notify.offer.title"), offerHeadline(e.Offer))
		// Someone waits for an answer: bring the window back from the tray.
		g.win.Show()
		g.win.RequestFocus()
		g.showNextOffer()
	case OfferClosed:
		g.closeOffer(e.ID, e.Reason)
	case PINRequested:
		g.askPIN(e)
	case SelfChanged:
		g.self = e.Self
		g.settings.Visibility = e.Self.Visibility
		g.refreshSelf()
		g.updateTray()
	}
}

// sortedPeers lists nearby devices by name, then ID so the order is stable.
func (g *GUI) sortedPeers() []PeerInfo {
	out := make([]PeerInfo, 0, len(g.peers))
	for _, p := range g.peers {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (g *GUI) selectedIDs() []string {
	var ids []string
	for _, p := range g.sortedPeers() {
		if g.selected[p.ID] {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

func (g *GUI) notify(title, body string) {
	g.app.SendNotification(fyne.NewNotification(title, body))
}

// showError tells the person what went wrong; err's text comes from the
// backend and already says what to do.
func (g *GUI) showError(title string, err error) {
	d := dialog.NewInformation(title, err.Error(), g.win)
	d.Show()
	g.bindKeys(d.Hide, d.Hide)
}

// body wraps a secondary screen with a title and a way back.
func (g *GUI) body(title string, content fyne.CanvasObject) fyne.CanvasObject {
	return container.NewBorder(g.screenHeader(title), nil, nil, nil, content)
}
