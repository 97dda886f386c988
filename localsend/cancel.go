package localsend

import (
	"net/http"

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
		reply(w, http.StatusOK, nil) // nothing to cancel: already over
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
