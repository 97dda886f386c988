package app

import (
	"context"
	"strings"

	"github.com/lempar/lempar/discovery"
	"github.com/lempar/lempar/transfer"
)

// acceptor applies trust rules before asking the person: the CLI's --yes and
// --accept-from, then auto-accept for known devices. A device is known by
// its certificate, so a stranger who copies a known device's name is asked
// about like any stranger; and a peer whose ID is only claimed (a LocalSend
// fingerprint it didn't prove, r.Peer.Verified false) never meets a trust
// rule and never becomes, or updates, a known device.
func (n *Node) acceptor() transfer.Acceptor {
	return transfer.AcceptorFunc(func(ctx context.Context, r *transfer.Request) transfer.Answer {
		// Noted first, so a declined or expired offer is titled in the
		// history by what it offered.
		note := noteOffer(r.Offer.Items)
		note.notePartials(r.Peer.ID, r.Offer.Items)
		n.History.note(r.Session, note)
		if n.opts.OnOffer != nil {
			n.opts.OnOffer(r)
		}
		ans, auto := n.autoDecision(r)
		if !auto {
			if n.opts.Acceptor == nil {
				return transfer.Answer{}
			}
			ans = n.opts.Acceptor.Decide(ctx, r)
		}
		if ans.Accept && n.Trust != nil && r.Peer.Verified {
			// The one place an incoming offer makes a device known.
			_, _ = n.Trust.Remember(KnownDevice{ID: r.Peer.ID, Name: r.Peer.Name, LastAddr: r.Peer.ReceiveAddr()})
			if ans.Always {
				_ = n.Trust.SetAutoAccept(r.Peer.ID, true)
			}
		}
		return ans
	})
}

// autoDecision reports whether a rule decides r without the person.
func (n *Node) autoDecision(r *transfer.Request) (transfer.Answer, bool) {
	if n.opts.AcceptAll {
		return transfer.Answer{Accept: true}, true // --yes: everyone, so no claim matters
	}
	if !r.Peer.Verified {
		return transfer.Answer{}, false
	}
	for _, p := range n.opts.AcceptFrom {
		// The CLI refuses shorter prefixes; this is the last line against
		// a ground one (see discovery.MinIDPrefix).
		if p = strings.ToLower(p); len(p) >= discovery.MinIDPrefix && strings.HasPrefix(r.Peer.ID, p) {
			return transfer.Answer{Accept: true}, true
		}
	}
	if n.Trust == nil {
		return transfer.Answer{}, false
	}
	if k, ok := n.Trust.Get(r.Peer.ID); ok && (k.AutoAccept || n.Settings().AutoAcceptKnown) {
		return transfer.Answer{Accept: true}, true
	}
	return transfer.Answer{}, false
}

// record writes a finished session to the history. Outgoing sessions are
// recorded by Device.sendOne, which knows what was picked.
func (n *Node) record(e transfer.Event) {
	if n.History == nil || (e.Direction == transfer.Incoming && e.State == transfer.StateWaiting) {
		return
	}
	note, ok := n.History.take(e.Session)
	_ = n.History.Append(historyEntry(e, note, ok))
	if e.State == transfer.StateDone && e.Direction == transfer.Outgoing && n.Trust != nil && e.Peer.ID != "" {
		_, _ = n.Trust.Remember(KnownDevice{ID: e.Peer.ID, Name: e.Peer.Name, LastAddr: e.Peer.Addr})
	}
}
