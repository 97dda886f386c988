package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lempar/lempar/ui/backend"
)

type (
	UnfinishedKeeper = backend.UnfinishedKeeper
	UnfinishedInfo   = backend.UnfinishedInfo
	UnfinishedFile   = backend.UnfinishedFile
)

// maxUnfinishedRows keeps the list above the history short; the rest are
// counted.
const maxUnfinishedRows = 4

// partialsPanel lists unfinished downloads (kept out of sight in the
// download folder) with Resume and Discard, and says which were removed for
// age; nil when there is nothing to say.
func (g *GUI) partialsPanel() fyne.CanvasObject {
	k, ok := g.b.(UnfinishedKeeper)
	if !ok {
		return nil
	}
	info := k.Unfinished()
	if len(info.Files) == 0 && len(info.Expired) == 0 {
		return nil
	}
	title := widget.NewLabel(lang.L("ui.unfinished.title"))
	title.TextStyle.Bold = true
	rows := container.NewVBox(title)
	if len(info.Files) > 0 {
		rows.Add(newWrappedCaption(tr("ui.unfinished.help", "Days", days(info.MaxAge)), fyne.TextAlignLeading))
	}
	for i, f := range info.Files {
		if i == maxUnfinishedRows {
			rows.Add(newCaption(tr("ui.unfinished.more", "Count", len(info.Files)-i)))
			break
		}
		rows.Add(g.unfinishedRow(k, f))
	}
	if n := len(info.Expired); n > 0 {
		var size int64
		var names []string
		for _, f := range info.Expired {
			size += f.Held
			if len(names) < 3 {
				names = append(names, f.Name)
			}
		}
		list := strings.Join(names, ", ")
		if n > len(names) {
			list += "…"
		}
		rows.Add(newWrappedCaption(tr("ui.unfinished.expired", "Count", n, "Days", days(info.MaxAge), "Names", list, "Size", formatBytes(size)), fyne.TextAlignLeading))
	}
	return container.NewVBox(container.NewPadded(rows), widget.NewSeparator())
}

func (g *GUI) unfinishedRow(k UnfinishedKeeper, f UnfinishedFile) fyne.CanvasObject {
	name := widget.NewLabel(f.Name)
	name.Truncation = fyne.TextTruncateEllipsis
	var parts []string
	if f.Total > 0 {
		parts = append(parts, tr("ui.transfer.of", "Done", formatBytes(f.Held), "Total", formatBytes(f.Total)))
	} else {
		parts = append(parts, tr("ui.unfinished.held", "Size", formatBytes(f.Held)))
	}
	if f.PeerName != "" {
		parts = append(parts, tr("ui.transfer.from", "Peer", f.PeerName))
	}
	parts = append(parts, formatAgo(f.Modified, g.opt.now()))
	resume := widget.NewButtonWithIcon(lang.L("ui.unfinished.resume"), theme.MediaPlayIcon(), func() { g.explainResume(f) })
	discard := widget.NewButtonWithIcon(lang.L("ui.unfinished.discard"), theme.DeleteIcon(), func() { g.discardUnfinished(k, f) })
	resume.Importance, discard.Importance = widget.LowImportance, widget.LowImportance
	text := container.New(&tightVBox{}, name, newCaption(strings.Join(parts, " · ")))
	return container.NewBorder(nil, nil, widget.NewIcon(theme.DownloadIcon()), container.NewHBox(resume, discard), text)
}

// explainResume says how a download continues: only the sender can send
// it again, and then only the missing part travels.
func (g *GUI) explainResume(f UnfinishedFile) {
	peer := f.PeerName
	if peer == "" {
		peer = lang.L("ui.unfinished.sender")
	}
	msg := tr("ui.unfinished.resume.body", "Peer", peer, "Name", f.Name, "Size", formatBytes(f.Held))
	dialog.NewInformation(lang.L("ui.unfinished.resume.title"), msg, g.win).Show()
}

func (g *GUI) discardUnfinished(k UnfinishedKeeper, f UnfinishedFile) {
	g.opt.background(func() func() {
		err := k.DiscardUnfinished(f.ID)
		return func() {
			if err != nil {
				g.showError(lang.L("ui.unfinished.discard.failed"), err)
			}
			if g.screen == screenHistory {
				g.show(screenHistory)
			}
		}
	})
}

// tellExpired notifies, once at start, that old unfinished downloads were
// removed: they vanish from the download folder without anyone asking.
func (g *GUI) tellExpired() {
	k, ok := g.b.(UnfinishedKeeper)
	if !ok {
		return
	}
	if info := k.Unfinished(); len(info.Expired) > 0 {
		g.notify(lang.L("ui.unfinished.title"), tr("ui.unfinished.expired.short", "Count", len(info.Expired), "Days", days(info.MaxAge)))
	}
}

func days(d time.Duration) int {
	if d <= 0 {
		d = defaultPartialAge
	}
	return int(d / (24 * time.Hour))
}

// defaultPartialAge is the age shown when a backend gives none.
const defaultPartialAge = 7 * 24 * time.Hour
