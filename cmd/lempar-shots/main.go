// Command lempar-shots writes the README screenshots: the real Lempar
// window, driven by ui/uitest's demo backend (no network), captured as PNGs in
// English and Indonesian at 1x and 2x scale.
//
// It needs a display; on a server run it under Xvfb, in a network namespace
// so nothing it starts can reach the network:
//
//	unshare -rn xvfb-run -a -s "-screen 0 2560x1600x24" go run ./cmd/lempar-shots
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"github.com/lempar/lempar/ui"
	"github.com/lempar/lempar/ui/uitest"
)

func main() {
	out := flag.String("out", "docs/screenshots", "folder for the PNGs")
	lang := flag.String("lang", "", "en or id; empty runs every language and scale, one process each")
	scale := flag.String("scale", "1", "FYNE_SCALE for this run")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if *lang == "" {
		runAll(*out)
		return
	}
	// Fyne reads the scale once, when the app starts: one process per scale.
	_ = os.Setenv("FYNE_SCALE", *scale)
	if err := shoot(*out, *lang, *scale); err != nil {
		log.Fatal(err)
	}
}

func runAll(out string) {
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range []string{"en", "id"} {
		for _, s := range []string{"1", "2"} {
			cmd := exec.Command(self, "-out", out, "-lang", l, "-scale", s)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				log.Fatalf("%s at %sx: %v", l, s, err)
			}
		}
	}
}

func shoot(out, lang, scale string) error {
	a := app.NewWithID("io.lempar.shots")
	now := time.Now()
	f := uitest.NewDemoFake(now)
	s := f.Settings()
	s.Language = ui.Language(lang)
	if err := f.SaveSettings(s); err != nil {
		return err
	}
	sharing := uitest.NewSharing(f) // the demo can share by link too
	g := ui.New(a, sharing)
	w := g.Window()
	w.Resize(fyne.NewSize(960, 600))
	w.Show()

	errc := make(chan error, 1)
	go func() {
		shot := func(name string) error {
			return capture(w, filepath.Join(out, fmt.Sprintf("%s-%s-%sx.png", name, lang, scale)))
		}
		err := scenes(g, f, now, shot)
		if err == nil {
			err = shareScenes(g, sharing, shot)
		}
		if err != nil {
			log.Print(err)
		}
		errc <- err
		fyne.Do(a.Quit)
	}()
	a.Run()
	return <-errc
}

// scenes steps the demo through what the README shows.
func scenes(g *ui.GUI, f *uitest.Fake, now time.Time, shot func(string) error) error {
	peers := uitest.DemoPeers(now)
	fyne.DoAndWait(func() { g.SelectPeers(peers[0].ID) })
	if err := shot("main"); err != nil {
		return err
	}
	for _, t := range uitest.DemoTransfers(now) {
		f.Emit(ui.TransferUpdated{Transfer: t})
	}
	if err := shot("transfer"); err != nil {
		return err
	}
	f.Emit(ui.OfferReceived{Offer: uitest.DemoOffer(now)})
	if err := shot("offer"); err != nil {
		return err
	}
	if err := offerScenes(g, f, now, shot); err != nil {
		return err
	}
	// Sending to the LocalSend phone, which wants a PIN; then refuses one.
	fyne.DoAndWait(func() { g.Window().Canvas().Overlays().Top().Hide() }) // the offer
	t, pin := uitest.DemoPIN(now, false)
	f.Emit(ui.TransferUpdated{Transfer: t})
	f.Emit(pin)
	fyne.DoAndWait(func() { // typed in, so Send is ready
		if e, ok := g.Window().Canvas().Focused().(*widget.Entry); ok {
			for _, r := range "4821" {
				e.TypedRune(r)
			}
		}
	})
	if err := shot("pin"); err != nil {
		return err
	}
	pin.Wrong = true
	f.Emit(pin)
	if err := shot("pin-wrong"); err != nil {
		return err
	}
	// The sender's side of an offer: the code to compare, large, on the
	// waiting row.
	fyne.DoAndWait(func() { g.Window().Canvas().Overlays().Top().Hide() }) // the PIN
	f.Emit(ui.TransferUpdated{Transfer: uitest.DemoWaiting(now)})
	if err := shot("waiting-code"); err != nil {
		return err
	}
	// A send to a classroom: receivers pass pieces to each other; then
	// one of them, most of it from the others.
	for _, t := range uitest.DemoSwarmOut(now) {
		f.Emit(ui.TransferUpdated{Transfer: t})
	}
	if err := shot("swarm-out"); err != nil {
		return err
	}
	f.Emit(ui.TransferUpdated{Transfer: uitest.DemoSwarmIn(now)})
	if err := shot("swarm-in"); err != nil {
		return err
	}
	if err := historyScenes(g, shot); err != nil {
		return err
	}
	// Settings with LocalSend's receive options in use: HTTP allowed, a PIN.
	st := f.Settings()
	st.LocalSendHTTP, st.LocalSendPIN = true, "4821"
	if err := f.SaveSettings(st); err != nil {
		return err
	}
	fyne.DoAndWait(func() { g.ShowSettings() })
	if err := shot("settings"); err != nil {
		return err
	}
	fyne.DoAndWait(func() { g.ShowMain() })
	return sendScenes(g, now, shot)
}

// capture waits until a grab repeats an earlier one and is not blank, then
// keeps it: a settled window, or one whose only motion is a blinking text
// cursor (its two frames alternate), or nearly repeats the grab before it
// (a ticking countdown). It grabs the X window with ImageMagick's import: Fyne's
// Canvas.Capture reads a GL buffer that is empty under Xvfb's software GL.
// It gives up after fifteen seconds.
func capture(w fyne.Window, path string) error {
	title := ""
	fyne.DoAndWait(func() { title = w.Title() })
	deadline := time.Now().Add(15 * time.Second)
	seen := map[string]bool{}
	var prev image.Image
	for time.Now().Before(deadline) {
		time.Sleep(400 * time.Millisecond) // let a frame or two draw; the loop checks readiness
		b, err := exec.Command("import", "-window", title, "png:-").Output()
		if err != nil {
			return fmt.Errorf("grabbing the window with ImageMagick's import (apt-get install imagemagick): %w", err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return err
		}
		if !blank(img) && (seen[string(b)] || (prev != nil && nearlySame(prev, img))) {
			log.Printf("wrote %s (%dx%d)", path, img.Bounds().Dx(), img.Bounds().Dy())
			return os.WriteFile(path, b, 0o644)
		}
		seen[string(b)] = true
		prev = img
	}
	return fmt.Errorf("%s: the window never settled on a non-blank frame", path)
}

// nearlySame reports whether two grabs differ in a sliver at most: the
// offer dialog's countdown changes a few digits every second, which a grab
// at 2x may never see repeat.
func nearlySame(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	diff, n := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y += 3 {
		for x := r.Min.X; x < r.Max.X; x += 3 {
			n++
			if a.At(x, y) != b.At(x, y) {
				diff++
			}
		}
	}
	return diff*1000 < n*2 // under 0.2% of the window
}

func blank(img image.Image) bool {
	b := img.Bounds()
	if b.Empty() {
		return true
	}
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			if img.At(x, y) != first {
				return false
			}
		}
	}
	return true
}
