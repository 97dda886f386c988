package share_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lempar/lempar/internal/browsertest"
	"github.com/lempar/lempar/share"
)

// A real browser opens the link: nothing is listed or served until the
// person allows it in the window; then two files and the zip arrive
// byte-identical. With LEMPAR_SHARE_SHOTS=dir (make screenshots) it also
// saves the page as a phone shows it, waiting and allowed, in English and
// Indonesian. The test binary runs in its own network namespace (TestMain).
func TestBrowserDownloads(t *testing.T) {
	shots := os.Getenv("LEMPAR_SHARE_SHOTS")
	langs := []string{"en"}
	if shots != "" {
		langs = []string{"en", "id"}
	}
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) { browserDownloads(t, lang, shots) })
	}
}

func browserDownloads(t *testing.T, lang, shots string) {
	s := startSharer(t)
	dir, content := files(t)
	sh := s.start(t, share.Options{Paths: []string{filepath.Join(dir, "report.pdf"), filepath.Join(dir, "Photos", "beach.jpg")}})
	dl := t.TempDir()
	ctx, d := browsertest.Start(t, dl, lang)
	start := time.Now()

	if err := chromedp.Do(ctx, chromedp.Navigate(s.https+"/")); err != nil {
		t.Fatalf("open the link: %v", err)
	}
	req := waitRequest(t, s, sh, 1)
	if !strings.HasPrefix(req.Agent, "Chrome") || req.Addr.String() != "127.0.0.1" {
		t.Fatalf("the window would show %q at %s", req.Agent, req.Addr)
	}
	// Waiting: the page lists nothing, and the files are not served to it.
	id := sh.Files()[0].ID
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#status.wait"))); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#status")))
	if err != nil {
		t.Fatal(err)
	}
	listed, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#files li").length`))
	if err != nil {
		t.Fatal(err)
	}
	probe, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("`+share.PathDownload+`?fileId=`+id+`").then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	wantWait := map[string]string{"en": "Waiting for Laptop", "id": "Menunggu Laptop"}[lang]
	if listed != 0 || probe != 403 || !strings.Contains(status, wantWait) {
		t.Fatalf("before consent: %d files listed, download answered %v, status %q", listed, probe, status)
	}
	shot(t, ctx, shots, "share-page-waiting-"+lang+".png")

	if !sh.Answer(req.ID, true) {
		t.Fatal("the browser's request was not waiting")
	}
	names := browsertest.ListedFiles(t, ctx)
	if strings.Join(names, ",") != "beach.jpg,report.pdf" {
		t.Fatalf("page lists %q", names)
	}
	shot(t, ctx, shots, "share-page-files-"+lang+".png")
	browsertest.DownloadEach(t, ctx, d, dl, names, "Laptop.zip",
		map[string][]byte{"report.pdf": content["report.pdf"], "beach.jpg": content["Photos/beach.jpg"]})
	t.Logf("browser: consent, 2 files and the zip in %v", time.Since(start).Round(time.Millisecond))
}

// shot saves the page as the phone shows it, when dir is set.
func shot(t *testing.T, ctx context.Context, dir, name string) {
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Nobody answers, then the person declines: the page says so each time
// and lists nothing.
func TestBrowserNoAnswerThenDeclined(t *testing.T) {
	s := startSharer(t)
	dir, _ := files(t)
	sh := s.start(t, share.Options{Paths: []string{dir}, ConsentTimeout: 2 * time.Second})
	ctx, _ := browsertest.Start(t, t.TempDir(), "en")
	if err := chromedp.Do(ctx, chromedp.Navigate(s.https+"/")); err != nil {
		t.Fatal(err)
	}
	waitRequest(t, s, sh, 1)
	say := func(want string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#status:not(.wait)"))); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#status")))
		if err != nil {
			t.Fatal(err)
		}
		listed, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#files li").length`))
		if err != nil || !strings.Contains(got, want) || listed != 0 {
			t.Fatalf("page says %q with %d files (%v), want %q", got, listed, err, want)
		}
	}
	say("No answer from Laptop in time")
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	r := waitRequest(t, s, sh, 1)
	sh.Answer(r.ID, false)
	say("Laptop did not allow this browser")
}

// With a PIN set, the page asks for it before anyone is asked; a wrong one
// is said to be wrong; the right one leads to the person's answer.
func TestBrowserPIN(t *testing.T) {
	s := startSharer(t)
	dir, _ := files(t)
	sh := s.start(t, share.Options{Paths: []string{filepath.Join(dir, "report.pdf")}, PIN: func() string { return "4821" }})
	ctx, _ := browsertest.Start(t, t.TempDir(), "id")
	text := func() string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#status")))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	enter := func(pin string) {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.CSS("#pinform")),
			chromedp.SendKeys(chromedp.CSS("#pin"), pin),
			chromedp.Click(chromedp.CSS("#pingo")),
		); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.https+"/"), chromedp.WaitVisible(chromedp.CSS("#pinform"))); err != nil {
		t.Fatal(err)
	}
	if got := text(); !strings.Contains(got, "Masukkan PIN") || len(sh.Requests()) != 0 {
		t.Fatalf("before the PIN: page says %q, %d asking the person", got, len(sh.Requests()))
	}
	enter("1111")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#pinform"))); err != nil {
		t.Fatal(err)
	}
	if got := text(); !strings.Contains(got, "PIN salah") || len(sh.Requests()) != 0 {
		t.Fatalf("wrong PIN: page says %q, %d asking the person", got, len(sh.Requests()))
	}
	enter("4821")
	r := waitRequest(t, s, sh, 1)
	sh.Answer(r.ID, true)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#list"))); err != nil {
		t.Fatal(err)
	}
}
