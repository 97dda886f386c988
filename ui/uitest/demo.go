package uitest

import (
	"time"

	"github.com/lempar/lempar/ui/backend"
)

// Demo data for the screenshot tool and the rendered snapshots: three nearby
// devices, a few known ones, some history. Names and addresses are made up.

// NewDemoFake returns a Fake with demo devices, as seen at now.
func NewDemoFake(now time.Time) *Fake {
	f := NewFake(backend.SelfInfo{
		Name:        "Budi's ThinkPad",
		ID:          "a3f9c0de5b7e41a29f0c6d3e8b2a1c21",
		Fingerprint: "a3f9…1c21",
		Addrs:       []string{"192.168.1.20:47110"},
		Visibility:  backend.Visible,
	}, backend.Settings{
		DeviceName:      "Budi's ThinkPad",
		DownloadDir:     "/home/budi/Downloads/Lempar",
		Visibility:      backend.Visible,
		AutoAcceptKnown: true,
		Language:        backend.LangSystem,
		Port:            47110,
		LocalSend:       true,
	})
	for _, p := range DemoPeers(now) {
		f.Emit(backend.PeerSeen{Peer: p})
	}
	f.SetKnown([]backend.KnownDevice{
		{ID: "5a1d9e0f3c2b4a6d8e7f9a0b1c2d3e4f", Name: "Sari-PC", OS: "windows", AutoAccept: true, LastAddr: "192.168.1.12:47110", LastSeen: now.Add(-20 * time.Second)},
		{ID: "77e0aa91b3c4d5e6f708192a3b4c5d6e", Name: "Meeting room Mac", OS: "darwin", LastAddr: "192.168.1.33:47110", LastSeen: now.Add(-26 * time.Hour)},
	})
	f.SetHistory([]backend.TransferInfo{
		{ID: "h1", Direction: backend.Incoming, PeerName: "Sari-PC", Name: "Laporan Q3.pdf", Names: []string{"Laporan Q3.pdf"}, Count: 1, Kind: backend.KindFile, Done: 2_400_000, Total: 2_400_000, State: backend.Done,
			SavedTo: "/home/budi/Downloads/Lempar/Laporan Q3.pdf", Paths: []string{"/home/budi/Downloads/Lempar/Laporan Q3.pdf"}, Started: now.Add(-3 * time.Hour), Finished: now.Add(-3 * time.Hour)},
		{ID: "h5", Direction: backend.Incoming, PeerName: "Sari-PC", Name: "meeting notes", Count: 1, Kind: backend.KindText, State: backend.Done,
			Text: "Meeting moved to Thursday 10:00, room 2B. Bring the printed Q3 figures.", Started: now.Add(-4 * time.Hour), Finished: now.Add(-4 * time.Hour)},
		{ID: "h4", Direction: backend.Incoming, PeerName: "Ayu's phone", Name: "IMG_2041.jpg", Names: []string{"IMG_2041.jpg", "IMG_2042.jpg", "IMG_2043.jpg"}, Count: 3, Kind: backend.KindFile, Total: 9_600_000, State: backend.Declined,
			ErrCode: "declined-local", Started: now.Add(-20 * time.Hour), Finished: now.Add(-20 * time.Hour)},
		{ID: "h2", Direction: backend.Outgoing, PeerName: "lab-03", Name: "photos", Names: []string{"photos"}, Count: 1, Kind: backend.KindDir, Done: 310_000_000, Total: 1_200_000_000, State: backend.Failed,
			Err: "The connection to lab-03 was lost. Send again to resume where it stopped.", Started: now.Add(-26 * time.Hour), Finished: now.Add(-26 * time.Hour)},
	})
	f.SetUnfinished(backend.UnfinishedInfo{
		MaxAge: 7 * 24 * time.Hour,
		Files: []backend.UnfinishedFile{
			{ID: "/home/budi/Downloads/Lempar/.lempar-partial/ubuntu-24.04.iso.1a2b3c4d.lempar-partial", Name: "ubuntu-24.04.iso", PeerName: "lab-03", Held: 1_900_000_000, Total: 5_700_000_000, Modified: now.Add(-2 * time.Hour)},
		},
		Expired: []backend.UnfinishedFile{{Name: "backup-old.zip", Held: 820_000_000}},
	})
	return f
}

// DemoPeers are the demo's nearby devices.
func DemoPeers(now time.Time) []backend.PeerInfo {
	return []backend.PeerInfo{
		{ID: "5a1d9e0f3c2b4a6d8e7f9a0b1c2d3e4f", Name: "Sari-PC", OS: "windows", Addr: "192.168.1.12:47110", Known: true, LastSeen: now.Add(-20 * time.Second)},
		{ID: "c4b3a2910f8e7d6c5b4a39281706f5e4", Name: "lab-03", OS: "linux", Addr: "192.168.1.40:47110", LastSeen: now.Add(-3 * time.Minute)},
		{ID: "localsend-ayu", Name: "Ayu's phone", OS: "android", Addr: "192.168.1.51:53317", LocalSend: true, LastSeen: now.Add(-40 * time.Second)},
	}
}

// DemoOffer is an incoming offer of three items from Sari-PC.
func DemoOffer(now time.Time) backend.OfferInfo {
	return backend.OfferInfo{
		ID: "offer-1", PeerID: "5a1d9e0f3c2b4a6d8e7f9a0b1c2d3e4f", PeerName: "Sari-PC", Known: true, Code: "482913",
		Items: []backend.ItemInfo{
			{Path: "Laporan keuangan 2024.xlsx", Size: 845_000, Kind: backend.KindFile},
			{Path: "Foto kegiatan", Size: 1_150_000_000, Kind: backend.KindDir, Files: 212},
			{Path: "catatan", Size: 64, Kind: backend.KindText, TextPreview: "Tolong dicek sebelum rapat hari Jumat, terima kasih!"},
		},
		Total:   1_150_845_064,
		Expires: now.Add(2 * time.Minute),
	}
}

// DemoTransfers are a transfer in progress and a finished one, newest last.
func DemoTransfers(now time.Time) []backend.TransferInfo {
	return []backend.TransferInfo{
		{ID: "t0", Direction: backend.Incoming, PeerID: "c4b3a2910f8e7d6c5b4a39281706f5e4", PeerName: "lab-03", Name: "slides", Count: 12, Kind: backend.KindFile,
			Done: 48_000_000, Total: 48_000_000, State: backend.Done, SavedTo: "/home/budi/Downloads/Lempar", Started: now.Add(-5 * time.Minute), Finished: now.Add(-4 * time.Minute)},
		{ID: "t1", Direction: backend.Outgoing, PeerID: "5a1d9e0f3c2b4a6d8e7f9a0b1c2d3e4f", PeerName: "Sari-PC", Name: "report.pdf", Count: 1, Kind: backend.KindFile,
			Done: 710_000_000, Total: 1_000_000_000, Rate: 84_000_000, ETA: 4 * time.Second, State: backend.Sending, Started: now.Add(-9 * time.Second)},
	}
}

// DemoPIN is a folder being sent to the demo's LocalSend phone, waiting
// while the phone asks for its PIN, and that request (wrong: the phone
// refused the PIN given before).
func DemoPIN(now time.Time, wrong bool) (backend.TransferInfo, backend.PINRequested) {
	p := DemoPeers(now)[2]
	t := backend.TransferInfo{ID: "t-pin", Direction: backend.Outgoing, PeerID: p.ID, PeerName: p.Name, Name: "Liburan Bali", Count: 1, Kind: backend.KindDir,
		Total: 380_000_000, State: backend.Waiting, Started: now.Add(-5 * time.Second)}
	return t, backend.PINRequested{Transfer: t.ID, Peer: p.Name, Wrong: wrong}
}

// DemoWaiting is a file offered to Sari-PC, waiting for its person, with
// the verification code both screens show.
func DemoWaiting(now time.Time) backend.TransferInfo {
	p := DemoPeers(now)[0]
	return backend.TransferInfo{ID: "t-code", Direction: backend.Outgoing, PeerID: p.ID, PeerName: p.Name, Name: "Proposal 2025.pdf", Count: 1,
		Kind: backend.KindFile, Total: 4_800_000, State: backend.Waiting, Code: "482913", Started: now.Add(-3 * time.Second)}
}
