package transfer

import "testing"

// The ring's pipeline is n-1 pieces deep: a piece must be small beside the
// send per other member, and stay one frame, a power of two, and few enough
// for a manifest.
func TestPieceSizeFor(t *testing.T) {
	const MiB, GiB = 1 << 20, 1 << 30
	cases := []struct {
		total   int64
		targets int
		want    int64
	}{
		{64 * MiB, 8, 256 << 10},  // make swarm-bench at 8
		{64 * MiB, 30, 256 << 10}, // 256 KiB × 8 × 29 = 58 MiB ≤ 64 MiB
		{16 * MiB, 30, 64 << 10},
		{8 * MiB, 30, 32 << 10},
		{32 * MiB, 8, 256 << 10}, // the lan short form
		{1 * MiB, 3, 64 << 10},
		{100, 30, minPiece}, // never below the floor
		{100, 1, 256 << 10}, // one receiver: no ring to fill
		{60 * GiB, 30, 1 << 20},
		{700 * GiB, 30, 0}, // too many pieces even at 4 MiB: direct
	}
	for _, c := range cases {
		got := pieceSizeFor(c.total, c.targets)
		if got != c.want {
			t.Errorf("pieceSizeFor(%d, %d) = %d, want %d", c.total, c.targets, got, c.want)
		}
		if got != 0 && !validPieceSize(got) {
			t.Errorf("pieceSizeFor(%d, %d) = %d, which a receiver refuses", c.total, c.targets, got)
		}
	}
	for _, s := range []int64{0, 8 << 10, 48 << 10, 8 << 20, -1} {
		if validPieceSize(s) {
			t.Errorf("validPieceSize(%d) = true", s)
		}
	}
}
