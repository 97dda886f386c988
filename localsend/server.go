package localsend

import (
	"crypto/subtle"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// routes is the LocalSend API: v2, and the v1 paths older apps use.
func (s *Service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiV2+"info", s.handleInfo)
	mux.HandleFunc("GET "+apiV1+"info", s.handleInfo)
	mux.HandleFunc("POST "+apiV2+"register", s.handleRegister)
	mux.HandleFunc("POST "+apiV1+"register", s.handleRegister)
	mux.HandleFunc("POST "+apiV2+"prepare-upload", func(w http.ResponseWriter, r *http.Request) { s.handlePrepare(w, r, false) })
	mux.HandleFunc("POST "+apiV1+"send-request", func(w http.ResponseWriter, r *http.Request) { s.handlePrepare(w, r, true) })
	mux.HandleFunc("POST "+apiV2+"upload", func(w http.ResponseWriter, r *http.Request) { s.handleUpload(w, r, false) })
	mux.HandleFunc("POST "+apiV1+"send", func(w http.ResponseWriter, r *http.Request) { s.handleUpload(w, r, true) })
	mux.HandleFunc("POST "+apiV2+"cancel", func(w http.ResponseWriter, r *http.Request) { s.handleCancel(w, r, false) })
	mux.HandleFunc("POST "+apiV1+"cancel", func(w http.ResponseWriter, r *http.Request) { s.handleCancel(w, r, true) })
	s.mountShare(mux)
	return jsonErrors(mux)
}

// jsonErrors answers what the mux itself refuses (an unknown path: 404; a
// known path with another method: 405, with Allow) in LocalSend's error
// form, {"message": "..."}, as every other error: LocalSend apps read
// errors as JSON.
func jsonErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, pattern := mux.Handler(r); pattern == "" {
			h.ServeHTTP(&errorJSON{ResponseWriter: w}, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// errorJSON replaces the plain-text body of the mux's own error answers.
type errorJSON struct {
	http.ResponseWriter
	wrote bool
}

func (e *errorJSON) WriteHeader(status int) {
	if e.wrote {
		return
	}
	e.wrote = true
	if status < 400 { // a redirect to the canonical path: left as it is
		e.ResponseWriter.WriteHeader(status)
		return
	}
	e.ResponseWriter.Header().Del("Content-Length")
	reply(e.ResponseWriter, status, message{http.StatusText(status)})
}

func (e *errorJSON) Write(b []byte) (int, error) {
	if !e.wrote {
		e.WriteHeader(http.StatusOK)
	}
	return len(b), nil // the mux's plain text; the JSON is written
}

// message is LocalSend's error body.
type message struct {
	Message string `json:"message"`
}

func reply(w http.ResponseWriter, status int, v any) {
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v == nil {
		v = struct{}{}
	}
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) { reply(w, status, message{msg}) }

func remoteIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		a, _ := netip.ParseAddr(host)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

// certFingerprint is the hash of the client certificate, when the peer
// showed one over HTTPS.
func certFingerprint(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return ""
	}
	return transfer.IDOf(r.TLS.PeerCertificates[0].Raw)
}

// handleInfo is /info, v2 and v1 alike: LocalSend 1.17 records every
// field (fingerprint, port, protocol, download, ...) from whichever it
// asked when it finds a device by subnet scan, favourite or address.
func (s *Service) handleInfo(w http.ResponseWriter, r *http.Request) {
	reply(w, http.StatusOK, s.selfFor(r))
}

// selfFor is Self as a request's sender should use it: a peer that
// reached us over plain HTTP (its encryption is off) is told "http", so it
// keeps to what it can speak.
func (s *Service) selfFor(r *http.Request) DeviceInfo {
	me := s.Self()
	if r.TLS == nil {
		me.Protocol = "http"
	}
	return me
}

// handleRegister is the answer to our announcement (or a peer's HTTP scan):
// the peer says who it is and learns who we are. An HTTPS peer is listed
// only under a fingerprint it proved (its client certificate, or its own
// port answering with that certificate).
func (s *Service) handleRegister(w http.ResponseWriter, r *http.Request) {
	var d DeviceInfo
	ip := remoteIP(r)
	if !s.enter(ip) {
		refuseBody(w, http.StatusTooManyRequests, "Too many requests")
		return
	}
	defer s.leave(ip)
	body, held, err := s.readBody(w, r, maxInfoJSON)
	s.give(held)
	if err == nil {
		err = decodeBytes(body, &d)
	}
	if err != nil {
		s.refused(transfer.PeerInfo{Addr: r.RemoteAddr}, lsErr(errcode.LocalSendProtocol, err, "Name", ip.String(), "Detail", err.Error()))
		st, msg := bodyStatus(err)
		refuseBody(w, st, msg)
		return
	}
	if d.Port == 0 {
		d.Port = DefaultPort // v1 peers don't say
	}
	if err := d.check(true); err != nil {
		s.refused(transfer.PeerInfo{Addr: r.RemoteAddr}, lsErr(errcode.LocalSendProtocol, err, "Name", ip.String(), "Detail", err.Error()))
		fail(w, http.StatusBadRequest, "Invalid body")
		return
	}
	// An HTTP-mode peer's fingerprint is a token that pins nothing (our
	// sends to it have no TLS to check), so it is listed as before; an
	// HTTPS peer only under a fingerprint it proved.
	fp, verified := s.identify(r.Context(), r, ip, &d, true)
	if verified || d.Protocol == "http" || !isHex64(d.Fingerprint) {
		d.Fingerprint = fp
		dev := deviceFrom(&d, ip, time.Now())
		dev.Proven = verified && d.Protocol == "https"
		s.seen(dev)
	}
	reply(w, http.StatusOK, s.selfFor(r))
}

// PIN attempts: after maxPINFails wrong or missing PINs within pinWindow an
// address gets 429 until the window has passed, so a 6-digit PIN can't be
// guessed by trying.
const (
	maxPINFails = 5
	pinWindow   = 5 * time.Minute
)

type pinState struct {
	fails int
	since time.Time
}

// checkPIN returns 0 when the request may go on, else the status to answer.
func (s *Service) checkPIN(r *http.Request, ip netip.Addr) int {
	want := s.cfg.PIN()
	if want == "" {
		return 0
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pinFails) > 4096 {
		for a, st := range s.pinFails {
			if now.Sub(st.since) > pinWindow {
				delete(s.pinFails, a)
			}
		}
	}
	st := s.pinFails[ip]
	if st != nil && now.Sub(st.since) > pinWindow {
		delete(s.pinFails, ip)
		st = nil
	}
	if st != nil && st.fails >= maxPINFails {
		return http.StatusTooManyRequests
	}
	got := r.URL.Query().Get("pin")
	if got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
		delete(s.pinFails, ip)
		return 0
	}
	if got == "" {
		return http.StatusUnauthorized // asking for the PIN is no attempt
	}
	if st == nil {
		st = &pinState{since: now}
		s.pinFails[ip] = st
	}
	st.fails++
	return http.StatusUnauthorized
}
