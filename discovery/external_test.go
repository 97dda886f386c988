package discovery

import (
	"net/netip"
	"testing"
	"time"
)

func lsPeer(name string) Peer {
	return Peer{
		ID: "localsend:" + name, Name: name, OS: "android", Proto: "2.1",
		Addrs:  []netip.AddrPort{netip.MustParseAddrPort("10.0.0.7:53317")},
		Source: SourceLocalSend,
	}
}

func TestObserveExternalLifecycle(t *testing.T) {
	h := newHarness(t)
	p := lsPeer("ayu")
	h.tbl.observeExternal(h.now, p, time.Minute)
	h.settle()
	if len(h.evs) != 1 || h.evs[0].Kind != PeerSeen {
		t.Fatalf("events %v", h.evs)
	}
	got := h.evs[0].Peer
	if got.Source != SourceLocalSend || got.Source.String() != "localsend" || got.Addr() != p.Addr() || got.Name != "ayu" || !got.Reachable {
		t.Fatalf("peer %+v", got)
	}
	// Refreshed every 40 s for five minutes: it stays, with no probe or
	// query (a LocalSend app doesn't speak Lempar), and no event.
	h.evs = nil
	for i := 1; i <= 300*4; i++ {
		h.now = h.now.Add(tickEvery)
		if i%160 == 0 {
			h.tbl.observeExternal(h.now, p, time.Minute)
		}
		h.tbl.tick(h.now)
		if a := h.tbl.takeActions(); len(a) != 0 {
			t.Fatalf("external peer caused actions %v", a)
		}
		h.evs = append(h.evs, h.tbl.takeEvents()...)
	}
	if len(h.evs) != 0 {
		t.Fatalf("refreshed peer changed: %v", h.evs)
	}
	// A new address or name is an update.
	p.Name = "Ayu's phone"
	p.Addrs = []netip.AddrPort{netip.MustParseAddrPort("10.0.0.8:53317")}
	h.tbl.observeExternal(h.now, p, time.Minute)
	if ev := h.tbl.takeEvents(); len(ev) != 1 || ev[0].Kind != PeerUpdated || ev[0].Peer.Name != "Ayu's phone" || ev[0].Peer.Addr().Port() != 53317 || ev[0].Peer.Addr().Addr().String() != "10.0.0.8" {
		t.Fatalf("update: %v", ev)
	}
	// Silent past its TTL: lost, exactly once.
	last := h.now
	for h.now.Sub(last) < 2*time.Minute {
		h.now = h.now.Add(tickEvery)
		h.tbl.tick(h.now)
		h.evs = append(h.evs, h.tbl.takeEvents()...)
	}
	if len(h.evs) != 1 || h.evs[0].Kind != PeerLost || h.evs[0].Peer.ID != p.ID {
		t.Fatalf("expiry: %v", h.evs)
	}
	if lost := h.evs[0]; lost.Peer.Name != "Ayu's phone" {
		t.Fatalf("lost event carries %+v", lost.Peer)
	}
	if _, ok := h.tbl.get(p.ID); ok {
		t.Fatal("still listed after its TTL")
	}
	if d := last.Add(time.Minute); h.now.Before(d) {
		t.Fatalf("lost too early")
	}
}

func TestObserveExternalRefusesLempar(t *testing.T) {
	h := newHarness(t)
	h.tbl.observe(h.now, obsFor("Sari", idA, "sari.local", "10.0.0.2"))
	h.settle()
	h.evs = nil
	for _, p := range []Peer{
		{ID: idA, Name: "fake Sari", Addrs: lsPeer("x").Addrs, Source: SourceLocalSend},     // a Lempar ID
		{ID: idB, Name: "fake", Addrs: lsPeer("x").Addrs, Source: SourceLocalSend},          // unknown, still Lempar-shaped
		{ID: selfID, Name: "me", Addrs: lsPeer("x").Addrs, Source: SourceLocalSend},         // ourselves
		{ID: "localsend:nosource", Name: "x", Addrs: lsPeer("x").Addrs, Source: SourceMDNS}, // not an external source
		{ID: "localsend:noaddr", Name: "x", Source: SourceLocalSend},
		{ID: "", Name: "x", Addrs: lsPeer("x").Addrs, Source: SourceLocalSend},
	} {
		h.tbl.observeExternal(h.now, p, time.Minute)
	}
	h.settle()
	if len(h.evs) != 0 {
		t.Fatalf("refused observations changed the table: %v", h.evs)
	}
	if p, ok := h.tbl.get(idA); !ok || p.Name != "Sari" || p.Source != SourceMDNS {
		t.Fatalf("Lempar peer changed: %+v", p)
	}
}

func TestServiceObserveForget(t *testing.T) {
	s := New(Config{Self: Self{ID: selfID, Name: "me", Port: 1}})
	ch, cancel := s.Subscribe()
	defer cancel()
	s.Observe(lsPeer("ayu"), 0)
	s.Forget(idA) // not external: nothing happens
	s.Forget("localsend:ayu")
	s.Forget("localsend:ayu") // twice: still one loss
	want := []EventKind{PeerSeen, PeerLost}
	for _, k := range want {
		select {
		case ev := <-ch:
			if ev.Kind != k || ev.Peer.ID != "localsend:ayu" {
				t.Fatalf("got %v %+v, want %v", ev.Kind, ev.Peer, k)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %v event", k)
		}
	}
	select {
	case ev := <-ch:
		t.Fatalf("extra event %v", ev)
	default:
	}
	if len(s.Peers()) != 0 {
		t.Fatalf("peers left: %v", s.Peers())
	}
}
