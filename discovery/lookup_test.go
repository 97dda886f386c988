package discovery

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/i18n"
)

func TestLookup(t *testing.T) {
	peers := []Peer{
		{ID: idA, Name: "Sari-PC"},
		{ID: "ab" + idB[2:], Name: "lab-03"},
		{ID: idB, Name: "cafe"},
		{ID: "cafe" + idA[4:], Name: "Kantor"},
	}
	for q, want := range map[string]string{
		"sari-pc":  idA,
		" Lab-03 ": "ab" + idB[2:],
		idA[:32]:   idA,
		"cafe":     idB, // a name match beats an ID-prefix match
		idB:        idB,
	} {
		p, err := lookup(peers, q)
		if err != nil || p.ID != want {
			t.Errorf("lookup(%q) = %s, %v; want %s", q, p.ShortID(), err, shortID(want))
		}
	}
	_, err := lookup(peers, "nobody")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nobody") {
		t.Fatalf("not found: %v", err)
	}
	_, err = lookup(peers, idA[:31]) // too short to be an ID prefix: it could be ground
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("31-digit prefix matched: %v", err)
	}
	_, err = lookup(peers, "aa")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("short prefix: %v", err)
	}
	_, err = lookup(peers, "ab")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("2-digit prefix matched: %v", err)
	}
	var de *Error
	_, err = lookup([]Peer{{ID: idA[:32] + "0" + idA[33:], Name: "x"}, {ID: idA[:32] + "1" + idA[33:], Name: "y"}, {ID: idB, Name: "z"}}, strings.ToUpper(idA[:32]))
	if !errors.As(err, &de) || !errors.Is(err, ErrAmbiguous) || len(de.Matches) != 2 {
		t.Fatalf("shared ID prefix: %v", err)
	}
	_, err = lookup([]Peer{{ID: idA, Name: "Budi"}, {ID: idB, Name: "budi"}}, "BUDI")
	if !errors.As(err, &de) || !errors.Is(err, ErrAmbiguous) || len(de.Matches) != 2 {
		t.Fatalf("ambiguous: %v", err)
	}
	msg := de.Localize(i18n.Load("id"))
	if !strings.Contains(msg, "aaaaaaaa") || !strings.Contains(msg, "bbbbbbbb") || strings.Contains(msg, "{{") || strings.HasPrefix(msg, "discovery.") {
		t.Fatalf("Indonesian message: %q", msg)
	}
}

func TestVisibility(t *testing.T) {
	var v Visibility
	if !v.Announcing(t0) || v.Mode != Visible {
		t.Fatal("zero value should be visible")
	}
	if (Visibility{Mode: Hidden}).Announcing(t0) {
		t.Fatal("hidden announces")
	}
	v = VisibleFor(t0, DefaultVisibleFor)
	if !v.Announcing(t0.Add(9*time.Minute)) || v.Announcing(t0.Add(10*time.Minute)) {
		t.Fatal("VisibleFor boundaries")
	}
	if v.Effective(t0.Add(11*time.Minute)).Mode != Hidden || v.Effective(t0).Mode != VisibleUntil {
		t.Fatal("Effective")
	}
}
