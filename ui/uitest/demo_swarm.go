package uitest

import (
	"time"

	"github.com/lempar/lempar/ui/backend"
)

// DemoSwarmOut is a folder sent to a classroom of three Lempar devices
// that pass pieces to each other: one row per receiver, each at its own
// progress.
func DemoSwarmOut(now time.Time) []backend.TransferInfo {
	var out []backend.TransferInfo
	for i, p := range []struct {
		name string
		done int64
	}{{"lab-01", 620_000_000}, {"lab-02", 540_000_000}, {"lab-03", 700_000_000}} {
		out = append(out, backend.TransferInfo{ID: "sw" + p.name, Direction: backend.Outgoing, PeerID: "9e8d7c6b5a4f3e2d1c0b" + p.name, PeerName: p.name,
			Name: "Materi kelas", Count: 1, Kind: backend.KindDir, Done: p.done, Total: 1_000_000_000, Rate: float64(60_000_000 + 5_000_000*i),
			ETA: 7 * time.Second, State: backend.Sending, Swarm: true, SwarmID: "demo-swarm", Started: now.Add(-10 * time.Second)})
	}
	return out
}

// DemoSwarmIn is the same send as one of the receivers sees it: most of it
// came from the other receivers.
func DemoSwarmIn(now time.Time) backend.TransferInfo {
	return backend.TransferInfo{ID: "sw-in", Direction: backend.Incoming, PeerID: "1f2e3d4c5b6a79880716", PeerName: "Guru", Name: "Materi kelas",
		Count: 1, Kind: backend.KindDir, Done: 620_000_000, Total: 1_000_000_000, Rate: 62_000_000, ETA: 6 * time.Second,
		State: backend.Sending, Swarm: true, FromPeers: 410_000_000, Started: now.Add(-10 * time.Second)}
}
