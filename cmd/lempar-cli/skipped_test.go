package main

import (
	"testing"

	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/transfer"
)

// A send whose receiver unticked two files ends with a line saying so, in
// the person's language, and the --json event carries the count and names.
func TestSkippedSummary(t *testing.T) {
	e := transfer.Event{
		Direction: transfer.Outgoing, State: transfer.StateDone, Peer: transfer.PeerInfo{Name: "Sari-PC"},
		Files: 3, Total: 1_200_000, Skipped: 2, SkippedItems: []string{"a.txt", "Video"},
	}
	for lang, want := range map[string]string{
		"en": "Sent 3 of 5 files (1.2 MB) to Sari-PC; 2 skipped by Sari-PC: a.txt, Video.",
		"id": "Terkirim 3 dari 5 berkas (1,2 MB) ke Sari-PC; 2 dilewati oleh Sari-PC: a.txt, Video.",
	} {
		g := &globals{tr: i18n.Load(lang)}
		if got := summary(g, e); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	g := &globals{tr: i18n.Load("en")}
	m := eventJSON(g.tr, e)
	if m["skipped"] != 2 || len(m["skipped_items"].([]string)) != 2 {
		t.Errorf("json: skipped %v items %v", m["skipped"], m["skipped_items"])
	}
	e.Skipped, e.SkippedItems = 0, nil
	if got := summary(g, e); got != "Sent 3 file(s) (1.2 MB) to Sari-PC." {
		t.Errorf("nothing skipped: %q", got)
	}
	e.Skipped, e.Direction, e.Dir = 1, transfer.Incoming, "/tmp/dl"
	if got := summary(g, e); got != "Received 3 of 4 files (1.2 MB) from Sari-PC, saved in /tmp/dl; you skipped 1." {
		t.Errorf("incoming: %q", got)
	}
}
