package localsend

import (
	"net/http"

	"github.com/lempar/lempar/share"
)

// mountShare routes "Share via link" (the page, LocalSend's
// prepare-download and download, Lempar's zip) to Config.Share. The share
// handler answers for itself when nothing is shared.
func (s *Service) mountShare(mux *http.ServeMux) {
	if s.cfg.Share == nil {
		return
	}
	h := s.cfg.Share
	mux.Handle("GET /{$}", h)
	mux.Handle("POST "+share.PathPrepare, h)
	mux.Handle("GET "+share.PathDownload, h)
	mux.Handle("GET "+share.PathZip, h)
}

// AllowsHTTP reports whether this port also answers plain HTTP, so a share
// link may be offered as http:// as well.
func (s *Service) AllowsHTTP() bool { return s.cfg.AllowHTTP }

// SetShare mounts a share handler after New; it must come before Serve
// (app sets it when the service starts, from LocalSendOptions.OnStarted).
func (s *Service) SetShare(h http.Handler) { s.cfg.Share = h }

// stopShare ends the share served on this port when the service stops:
// a link to a closed port must not look alive in the window.
func (s *Service) stopShare() {
	if st, ok := s.cfg.Share.(interface{ Stop() }); ok {
		st.Stop()
	}
}

// sharing reports whether a share is being served here: /info then says
// download true, as the protocol asks while the download API is active.
func (s *Service) sharing() bool {
	a, ok := s.cfg.Share.(interface{ Active() bool })
	return ok && a.Active()
}
