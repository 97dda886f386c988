package main

import (
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"

	"github.com/lempar/lempar/ui"
	"github.com/lempar/lempar/ui/uitest"
)

// sendScenes shows choosing what to send: Lempar's own chooser with files
// ticked, the send sheet saying who receives (Send waits for a tick), Send
// text with its recipients, and the main window at its minimum size.
func sendScenes(g *ui.GUI, now time.Time, shot func(string) error) error {
	dir, err := demoFolder()
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fyne.DoAndWait(func() {
		g.CloseDialogs()
		g.SelectPeers()
		g.ShowChooser(false, filepath.Join(dir, "Dokumen"), "Laporan Q3.pdf", "Anggaran 2025.xlsx")
	})
	if err := shot("choose-files"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		g.CloseDialogs()
		g.ShowSendSheet(filepath.Join(dir, "Dokumen", "Laporan Q3.pdf"), filepath.Join(dir, "Dokumen", "Anggaran 2025.xlsx"), filepath.Join(dir, "Foto"))
	})
	if err := shot("send-sheet"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		g.CloseDialogs()
		g.SelectPeers(uitest.DemoPeers(now)[1].ID)
		g.ShowSendText("Rapat dipindah ke ruang 3B jam 14.00.\nLink: https://example.com/meet/abc-defg-hij")
	})
	if err := shot("send-text"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		g.CloseDialogs()
		w := g.Window()
		w.Resize(w.Content().MinSize())
	})
	return shot("min-size")
}

// demoFolder makes a small folder tree for the chooser to list.
func demoFolder() (string, error) {
	dir, err := os.MkdirTemp("", "lempar-shots")
	if err != nil {
		return "", err
	}
	for _, p := range []string{"Dokumen/Laporan Q3.pdf", "Dokumen/Anggaran 2025.xlsx", "Dokumen/catatan rapat.txt",
		"Dokumen/Arsip/2024.zip", "Dokumen/Kontrak/draf.docx", "Foto/rapat.jpg"} {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(full, make([]byte, 1000+len(p)*5000), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}
