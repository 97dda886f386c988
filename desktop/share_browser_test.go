package desktop

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lempar/lempar/internal/browsertest"
)

// A real browser opens a real device's share link, and the person answers
// in the window (the backend): before the answer the page lists nothing;
// after it two files and the zip arrive byte-identical. The share package
// tests the same page with its own consent call; this is the path a person
// takes.
func TestShareInBrowserThroughTheWindow(t *testing.T) {
	b, _, _ := pinBackend(t) // a device with LocalSend on loopback
	dir := t.TempDir()
	paths := writeFiles(t, dir, "notes.txt", "photo.jpg") // "isi notes.txt", …
	content := map[string][]byte{"notes.txt": []byte("isi notes.txt"), "photo.jpg": []byte("isi photo.jpg")}
	info, changed := startShare(t, b, paths...)
	t.Cleanup(b.StopShare)
	link := strings.Replace(info.URLs[0], "[::1]", "127.0.0.1", 1)
	if !strings.HasPrefix(link, "https://") {
		t.Fatalf("the window's first link is %q, want HTTPS", link)
	}
	dl := t.TempDir()
	ctx, d := browsertest.Start(t, dl, "en")
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatalf("open the link: %v", err)
	}

	// The window lists the browser, waiting; the page lists nothing yet.
	id := waitingBrowser(t, b, changed)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#status.wait"))); err != nil {
		t.Fatal(err)
	}
	listed, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#files li").length`))
	if err != nil || listed != 0 {
		t.Fatalf("before the answer the page lists %d files (%v)", listed, err)
	}

	if err := b.AnswerShare(id, true); err != nil {
		t.Fatal(err)
	}
	names := browsertest.ListedFiles(t, ctx)
	if strings.Join(names, ",") != "notes.txt,photo.jpg" {
		t.Fatalf("page lists %q", names)
	}
	browsertest.DownloadEach(t, ctx, d, dl, names, "Sari-PC.zip", content)

	// The window counts what the allowed browser took.
	st := b.ShareState()
	if len(st.Requests) != 1 || !st.Requests[0].Allowed || st.Requests[0].Downloads < 2 {
		t.Fatalf("the window shows %+v", st.Requests)
	}
}
