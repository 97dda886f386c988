package main

import (
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"

	"github.com/lempar/lempar/ui"
	"github.com/lempar/lempar/ui/backend"
	"github.com/lempar/lempar/ui/uitest"
)

// shareScenes shows Share via link: the link and its QR code, one phone
// waiting for the person's answer and one allowed.
func shareScenes(g *ui.GUI, s *uitest.Sharing, shot func(string) error) error {
	dir, err := demoFolder()
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s.SetShare(backend.ShareInfo{
		URLs:  []string{"https://192.168.1.20:53317/", "http://192.168.1.20:53317/"},
		Files: 14, Size: 48_300_000, Names: []string{"Laporan Q3.pdf", "Foto"},
		Requests: []backend.ShareRequest{
			{ID: "a", Agent: "Safari · iPhone", Addr: "192.168.1.40", Allowed: true, Downloads: 2},
			{ID: "b", Agent: "Chrome · Android", Addr: "192.168.1.31"},
		},
	})
	// The scene before shrank the window to its minimum: back to the
	// usual size, and wait until the window really has it.
	fyne.DoAndWait(func() {
		g.CloseDialogs()
		g.Window().Resize(fyne.NewSize(960, 600))
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var w float32
		fyne.DoAndWait(func() { w = g.Window().Canvas().Size().Width })
		if w >= 959 {
			break
		}
	}
	fyne.DoAndWait(func() {
		g.ShowMain()
		g.ShowShare(filepath.Join(dir, "Dokumen", "Laporan Q3.pdf"), filepath.Join(dir, "Foto"))
	})
	return shot("share")
}
