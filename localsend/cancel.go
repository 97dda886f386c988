package localsend

import (
	"net/http"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// handleCancel is the sender stopping its session: v2 names it, v1 is
// identified by the sender's address. Only the sender's address may cancel.
func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request, v1 bool) {
	ip := remoteIP(r)
	ss := s.session(r.URL.Query().Get("sessionId"), ip, v1)
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
