package ui

import (
	"testing"

	"github.com/lempar/lempar/ui/uitest"
)

// A swarm send's rows say so in their bars: each receiver row of the
// sender carries the total of all the send's receivers, a receiver's row
// how much came from the others; a direct row's bar is the plain percent.
func TestSwarmRowsShowTotalAndFromPeers(t *testing.T) {
	for _, c := range []struct {
		lang    Language
		out, in string
	}{
		{LangEnglish, "70% · receivers share the pieces · all 3: 62%", "62% · 410 MB from other receivers"},
		{LangIndonesian, "70% · penerima saling berbagi potongan · semua 3: 62%", "62% · 410 MB dari penerima lain"},
	} {
		t.Run(string(c.lang), func(t *testing.T) {
			g, f, _ := newTestGUI(t, c.lang)
			for _, tr := range uitest.DemoSwarmOut(testNow) {
				f.Emit(TransferUpdated{Transfer: tr})
			}
			f.Emit(TransferUpdated{Transfer: uitest.DemoSwarmIn(testNow)})
			for _, tr := range uitest.DemoTransfers(testNow) {
				f.Emit(TransferUpdated{Transfer: tr})
			}
			bar := func(id string) string {
				r := rowFor(t, g, id)
				if r.progress.TextFormatter == nil {
					return "(plain)"
				}
				return r.progress.TextFormatter()
			}
			if got := bar("swlab-03"); got != c.out {
				t.Errorf("sender's row: %q, want %q", got, c.out)
			}
			if got := bar("sw-in"); got != c.in {
				t.Errorf("receiver's row: %q, want %q", got, c.in)
			}
			if got := bar("t1"); got != "(plain)" {
				t.Errorf("a direct transfer's bar: %q, want the plain percent", got)
			}
		})
	}
}
