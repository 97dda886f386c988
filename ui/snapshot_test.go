package ui

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/lempar/lempar/ui/uitest"
)

// The main screens, rendered to markup in both languages. After an intended
// change, review ui/testdata/failed/* and copy them over the masters.
func TestSnapshots(t *testing.T) {
	for _, lang := range []Language{LangEnglish, LangIndonesian} {
		t.Run(string(lang), func(t *testing.T) {
			f := uitest.NewDemoFake(testNow)
			s := f.Settings()
			s.Language = lang
			_ = f.SaveSettings(s)
			g, _ := openTestGUI(t, f)
			g.SelectPeers(uitest.DemoPeers(testNow)[0].ID)
			test.AssertRendersToMarkup(t, "main_"+string(lang)+".xml", g.win.Canvas())

			for _, tr := range uitest.DemoTransfers(testNow) {
				f.Emit(TransferUpdated{Transfer: tr})
			}
			test.AssertRendersToMarkup(t, "transfers_"+string(lang)+".xml", g.win.Canvas())

			f.Emit(OfferReceived{Offer: uitest.DemoOffer(testNow)})
			test.AssertRendersToMarkup(t, "offer_"+string(lang)+".xml", g.win.Canvas())
			test.Tap(g.offers.current.decline)

			g.show(screenSettings)
			test.AssertRendersToMarkup(t, "settings_"+string(lang)+".xml", g.win.Canvas())
			g.show(screenHistory)
			test.AssertRendersToMarkup(t, "history_"+string(lang)+".xml", g.win.Canvas())
			g.show(screenKnown)
			test.AssertRendersToMarkup(t, "known_"+string(lang)+".xml", g.win.Canvas())

			// A LocalSend phone wants a PIN, and refused the last one.
			g.show(screenMain)
			pt, pin := uitest.DemoPIN(testNow, true)
			f.Emit(TransferUpdated{Transfer: pt})
			f.Emit(pin)
			test.AssertRendersToMarkup(t, "pin_"+string(lang)+".xml", g.win.Canvas())
		})
	}
}

// Every key the UI code asks for must be in both catalogs; a missing one
// would show as a raw key such as "ui.offer.accept".
func TestUIKeysTranslated(t *testing.T) {
	used := map[string]bool{}
	re := regexp.MustCompile(`(?:lang\.L|tr)\("((?:ui|app)\.[A-Za-z0-9_.]+)"`)
	files, _ := os.ReadDir(".")
	for _, e := range files {
		if e.IsDir() || len(e.Name()) < 3 || e.Name()[len(e.Name())-3:] != ".go" {
			continue
		}
		src, err := os.ReadFile(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(src, -1) {
			used[string(m[1])] = true
		}
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys; is the pattern still right?", len(used))
	}
	for _, l := range []string{"en", "id"} {
		b, err := os.ReadFile("../assets/translations/" + l + ".json")
		if err != nil {
			t.Fatal(err)
		}
		cat := map[string]string{}
		if err := json.Unmarshal(b, &cat); err != nil {
			t.Fatal(err)
		}
		for k := range used {
			if cat[k] == "" {
				t.Errorf("%s.json lacks %q", l, k)
			}
		}
	}
}

func TestFormatting(t *testing.T) {
	_, _, _ = newTestGUI(t, LangEnglish)
	for in, want := range map[int64]string{0: "0 bytes", 999: "999 bytes", 1000: "1.0 kB", 845_000: "845 kB", 1_150_845_064: "1.2 GB", 99_950: "100 kB"} {
		if got := formatBytes(in); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", in, got, want)
		}
	}
	if got := formatCode("482913"); got != "482 913" {
		t.Errorf("formatCode = %q", got)
	}
	if got := formatClock(3725e9); got != "1:02:05" {
		t.Errorf("formatClock = %q", got)
	}
	applyLanguage("id")
	if got := formatBytes(1_150_845_064); got != "1,2 GB" {
		t.Errorf("Indonesian formatBytes = %q, want a decimal comma", got)
	}
}
