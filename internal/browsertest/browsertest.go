// Package browsertest drives Debian's headless chromium for tests of the
// pages Lempar serves (share by link): started as a phone would open a
// link, following its downloads. Tests only; missing chromium skips a test
// on a developer's machine and fails it in CI.
package browsertest

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's chromium. Missing, the test skips on a
// developer's machine but fails in CI (make deps-test installs it).
func chromium(t testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (make deps-test installs it)")
	}
	t.Skip("chromium is not installed (make deps-test installs it)")
	return ""
}

// Start starts headless chromium, set up as a phone (viewport, user
// agent), in the caller's network namespace; downloads land in dl. lang is
// its Accept-Language. It ends with the test.
func Start(t testing.TB, dl, lang string) (context.Context, *Downloads) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // root in CI; the namespace is the sandbox that matters here
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("ignore-certificate-errors", true), // Lempar's certificate is its own, as a person clicks through
		chromedp.Flag("lang", lang),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { tcancel(); cancel(); acancel() })
	d := &Downloads{done: map[string]string{}, names: map[string]string{}, changed: make(chan struct{}, 1)}
	// Downloads are events of the browser in some versions, of the tab in
	// others: both are followed, keyed by GUID.
	if err := chromedp.ListenBrowser(ctx, d.on); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, d.on); err != nil {
		t.Fatal(err)
	}
	on := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dl, EventsEnabled: &on,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent:      "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
		AcceptLanguage: lang,
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 780, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	return ctx, d
}

// Downloads follows the browser's downloads: GUID → suggested name, and
// which completed.
type Downloads struct {
	mu      sync.Mutex
	names   map[string]string
	done    map[string]string // GUID → state (completed, canceled)
	changed chan struct{}
}

func (d *Downloads) on(ev any) {
	d.mu.Lock()
	switch e := ev.(type) {
	case *browser.EventDownloadWillBegin:
		d.names[e.GUID] = e.SuggestedFilename
	case *browser.EventDownloadProgress:
		if e.State == browser.DownloadProgressStateCompleted || e.State == browser.DownloadProgressStateCanceled {
			d.done[e.GUID] = e.State.String()
		}
	}
	d.mu.Unlock()
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

// Wait waits for the download named name to finish and returns its
// bytes (dir is Start's dl).
func (d *Downloads) Wait(t testing.TB, dir, name string) []byte {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		d.mu.Lock()
		for guid, n := range d.names {
			if n == name && d.done[guid] != "" {
				state := d.done[guid]
				d.mu.Unlock()
				if state != "completed" {
					t.Fatalf("download %s: %s", name, state)
				}
				b, err := os.ReadFile(filepath.Join(dir, guid))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
		}
		d.mu.Unlock()
		select {
		case <-d.changed:
		case <-deadline:
			t.Fatalf("download %s did not finish", name)
		}
	}
}

// CheckZip checks that z holds exactly content, byte for byte.
func CheckZip(t testing.TB, z []byte, content map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatalf("zip: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range zr.File {
		want, ok := content[f.Name]
		if !ok || seen[f.Name] {
			t.Fatalf("zip holds %q: not shared, or twice", f.Name)
		}
		seen[f.Name] = true
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("zip's %s: %v, %d bytes, want %d identical", f.Name, err, len(got), len(want))
		}
	}
	if len(seen) != len(content) {
		t.Fatalf("zip holds %d files, want %d", len(seen), len(content))
	}
}

// ListedFiles waits until the share page lists its files (the person
// allowed this browser) and returns their names as shown.
func ListedFiles(t testing.TB, ctx context.Context) []string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#list"))); err != nil {
		t.Fatal(err)
	}
	names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#files li .name")].map(e => e.firstChild.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// DownloadEach clicks each listed file's download link in turn, then
// "download all", and checks that every file and the zip (zipName) arrive
// byte-identical to want (by listed name, which is also the name in the
// zip).
func DownloadEach(t testing.TB, ctx context.Context, d *Downloads, dl string, names []string, zipName string, want map[string][]byte) {
	t.Helper()
	for i, name := range names {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#files li:nth-child(`+strconv.Itoa(i+1)+`) a.dl`))); err != nil {
			t.Fatal(err)
		}
		if got := d.Wait(t, dl, name); !bytes.Equal(got, want[name]) {
			t.Fatalf("%s: %d bytes, want %d identical", name, len(got), len(want[name]))
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#all"))); err != nil {
		t.Fatal(err)
	}
	CheckZip(t, d.Wait(t, dl, zipName), want)
}
