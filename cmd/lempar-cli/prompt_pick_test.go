package main

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/i18n"
	"github.com/lempar/lempar/transfer"
)

// The terminal lists an offer's top-level items numbered; an answer of
// numbers takes only those (a folder's files with it), a number that
// names nothing asks again, and the answer still has to come in time.
func TestPromptPicksItems(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	out := &lockedBuffer{}
	p := newPrompter(i18n.Load("en"), pr, out)
	r := testRequest(t, time.Minute)
	r.Offer.Items = append([]transfer.Item{
		{Path: "a.txt", Kind: transfer.KindFile, Size: 3},
		{Path: "Fotos", Kind: transfer.KindDir},
		{Path: "Fotos/x.jpg", Kind: transfer.KindFile, Size: 5},
		{Path: "Fotos/sub", Kind: transfer.KindDir},
		{Path: "Fotos/sub/y.jpg", Kind: transfer.KindFile, Size: 7},
	}, r.Offer.Items...) // and the text "halo"
	ctx, cancel := context.WithDeadline(context.Background(), r.Expires)
	defer cancel()
	res := decideAsync(p, ctx, r)
	waitFor(t, 5*time.Second, "the question", func() bool { return strings.Contains(out.String(), "Accept? [y/N]") })
	if !strings.Contains(out.String(), `answer with their numbers (e.g. 1 3):  1) a.txt  2) Fotos/  3) "halo"`) {
		t.Fatalf("no numbered list:\n%s", out.String())
	}
	if _, err := io.WriteString(pw, "4\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the question again", func() bool { return strings.Contains(out.String(), "There is no item 4. Accept? [y/N]") })
	if _, err := io.WriteString(pw, "2, 3\n"); err != nil {
		t.Fatal(err)
	}
	d := <-res
	if want := []bool{false, true, true, true, true, true}; !d.ans.Accept || !slices.Equal(d.ans.Items, want) {
		t.Fatalf("answer %+v, want the folder with its contents and the text", d.ans)
	}

	// Numbers typed just before the offer expires count; none at all and
	// it expires unanswered.
	for _, late := range []bool{false, true} {
		r = testRequest(t, 1500*time.Millisecond)
		r.Offer.Items = append(r.Offer.Items, transfer.Item{Path: "b.bin", Kind: transfer.KindFile, Size: 1})
		ctx, cancel := context.WithDeadline(context.Background(), r.Expires)
		res = decideAsync(p, ctx, r)
		if !late {
			time.Sleep(time.Until(r.Expires) - 400*time.Millisecond) // the person's pace
			if _, err := io.WriteString(pw, "2\n"); err != nil {
				t.Fatal(err)
			}
		}
		d = <-res
		cancel()
		if late && d.ans.Accept {
			t.Fatalf("an unanswered offer was accepted: %+v", d.ans)
		}
		if !late && (!d.ans.Accept || !slices.Equal(d.ans.Items, []bool{false, true})) {
			t.Fatalf("an answer near the limit: %+v", d.ans)
		}
	}
}
