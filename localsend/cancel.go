package localsend

import (
	"context"
	"net/http"
	"net/netip"
	"slices"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// handleCancel is the sender stopping its session: v2 names it, v1 is
// identified by the sender's address. Only the sender's address may cancel.
// A v2 cancel without a session ID is a sender withdrawing the offer it is
// still waiting on (it has no ID before the answer); both official
// versions honour it, so the sender's session at that address ends.
func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request, v1 bool) {
	ip := remoteIP(r)
	id := r.URL.Query().Get("sessionId")
	ss := s.session(id, ip, v1 || id == "")
	if ss == nil {
		// The receiver of one of our uploads stopping it (as the official
		// apps do when their person cancels).
		s.stopSending(id, ip)
		reply(w, http.StatusOK, nil) // else nothing to cancel: already over
		return
	}
	if ss.ip != ip {
		s.refused(transfer.PeerInfo{Addr: r.RemoteAddr}, lsErr(errcode.LocalSendProtocol, nil, "Name", ip.String(), "Detail", "cancel from another address"))
		fail(w, http.StatusForbidden, "Invalid IP address")
		return
	}
	s.end(ss, transfer.StateCancelled, engineErr(errcode.PeerCancelled, "Name", ss.peer.Name))
	reply(w, http.StatusOK, nil)
}

// outSend is one of our uploads a receiver may cancel.
type outSend struct {
	session string
	ip      netip.Addr
	stop    context.CancelCauseFunc
}

// sending registers an upload to the receiver at ip under its session ID
// until the returned func is called.
func (s *Service) sending(session string, ip netip.Addr, stop context.CancelCauseFunc) func() {
	o := &outSend{session: session, ip: ip.Unmap(), stop: stop}
	s.mu.Lock()
	s.outgoing = append(s.outgoing, o)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.outgoing = slices.DeleteFunc(s.outgoing, func(x *outSend) bool { return x == o })
		s.mu.Unlock()
	}
}

// stopSending ends our upload of that session, when ip is its receiver.
func (s *Service) stopSending(session string, ip netip.Addr) {
	if session == "" {
		return
	}
	s.mu.Lock()
	var hit []*outSend
	for _, o := range s.outgoing {
		if o.session == session && o.ip == ip.Unmap() {
			hit = append(hit, o)
		}
	}
	s.mu.Unlock()
	for _, o := range hit {
		o.stop(engineErr(errcode.PeerCancelled, "Name", ip.String()))
	}
}
