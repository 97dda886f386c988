package share

import (
	"archive/zip"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The routes the LocalSend port mounts (see localsend.Config.Share).
// prepare-download and download are LocalSend's download API (protocol
// v2.1 §5); the page and the zip are Lempar's own.
const (
	PathPage     = "/"
	PathPrepare  = "/api/localsend/v2/prepare-download"
	PathDownload = "/api/localsend/v2/download"
	PathZip      = "/api/lempar/share/zip"
	cookieName   = "lempar_share"
	maxIDLen     = 64
	copyChunk    = 256 << 10
	// stallWrite cuts a browser that stops reading a download.
	stallWrite = 60 * time.Second
)

// ServeHTTP serves the running share; with none, every route says sharing
// has ended (403, as LocalSend answers when its web share is off).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sh := s.Current()
	switch {
	case r.URL.Path == PathPage && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		servePage(w, r, sh)
	case sh == nil:
		jsonError(w, http.StatusForbidden, "Sharing has ended.")
	case r.URL.Path == PathPrepare && r.Method == http.MethodPost:
		sh.prepare(w, r)
	case r.URL.Path == PathDownload && r.Method == http.MethodGet:
		sh.download(w, r)
	case r.URL.Path == PathZip && r.Method == http.MethodGet:
		sh.zip(w, r)
	default:
		jsonError(w, http.StatusNotFound, "Not found.")
	}
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap().WithZone("")
}

// sessionID is the session a request names: the sessionId parameter
// (LocalSend clients, the page's links), else the cookie the page got.
func sessionID(r *http.Request) string {
	id := r.URL.Query().Get("sessionId")
	if id == "" {
		if c, err := r.Cookie(cookieName); err == nil {
			id = c.Value
		}
	}
	if len(id) > maxIDLen {
		return ""
	}
	return id
}

// fileEntry is one file in a prepare-download answer, as LocalSend names
// its fields.
type fileEntry struct {
	ID       string  `json:"id"`
	FileName string  `json:"fileName"`
	Size     int64   `json:"size"`
	FileType string  `json:"fileType"`
	SHA256   *string `json:"sha256"`
	Preview  *string `json:"preview"`
}

func (sh *Share) answer(w http.ResponseWriter, ss *session) {
	files := make(map[string]fileEntry, len(sh.files))
	for _, f := range sh.files {
		files[f.ID] = fileEntry{ID: f.ID, FileName: f.Name, Size: f.Size, FileType: f.Type}
	}
	body := map[string]any{"sessionId": ss.ID, "files": files}
	if sh.o.Info != nil {
		body["info"] = sh.o.Info()
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: ss.ID, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, body)
}

// prepare is LocalSend's prepare-download: a browser (or app) asks for the
// file list. An allowed session gets it at once (a reload); anyone else
// gives the PIN when one is set, then waits for the person's answer.
func (sh *Share) prepare(w http.ResponseWriter, r *http.Request) {
	addr := remoteAddr(r)
	if ss := sh.allowed(sessionID(r), addr); ss != nil {
		sh.answer(w, ss)
		return
	}
	pin := r.URL.Query().Get("pin")
	if len(pin) > maxIDLen {
		pin = pin[:maxIDLen]
	}
	switch sh.checkPIN(pin, addr) {
	case http.StatusUnauthorized:
		if pin == "" {
			jsonError(w, http.StatusUnauthorized, "PIN required.")
		} else {
			jsonError(w, http.StatusUnauthorized, "Invalid PIN.")
		}
		return
	case http.StatusTooManyRequests:
		jsonError(w, http.StatusTooManyRequests, "Too many attempts.")
		return
	}
	ss, ok := sh.ask(addr, agentLabel(r.UserAgent()))
	if !ok {
		if sh.Stopped() {
			jsonError(w, http.StatusForbidden, "Sharing has ended.")
		} else {
			jsonError(w, http.StatusTooManyRequests, "Too many browsers are waiting.")
		}
		return
	}
	sh.changed()
	t := time.NewTimer(sh.o.ConsentTimeout)
	defer t.Stop()
	select {
	case allow := <-ss.answer:
		sh.settle(ss, allow)
		if allow && !sh.Stopped() {
			sh.answer(w, ss)
		} else if sh.Stopped() {
			jsonError(w, http.StatusForbidden, "Sharing has ended.")
		} else {
			jsonError(w, http.StatusForbidden, "File transfer rejected.")
		}
	case <-t.C:
		sh.settle(ss, false)
		jsonError(w, http.StatusForbidden, "No answer in time.")
	case <-r.Context().Done():
		sh.settle(ss, false) // the browser went away: its request leaves the window
	case <-sh.ctx.Done():
		sh.settle(ss, false)
		jsonError(w, http.StatusForbidden, "Sharing has ended.")
	}
}

// file finds the file a download names, by its ID in this share only.
func (sh *Share) file(w http.ResponseWriter, r *http.Request) (*session, *File, bool) {
	q := r.URL.Query()
	ss := sh.allowed(sessionID(r), remoteAddr(r))
	if ss == nil {
		jsonError(w, http.StatusForbidden, "Invalid sessionId.")
		return nil, nil, false
	}
	id := q.Get("fileId")
	f := sh.byID[id]
	if f == nil || len(id) > maxIDLen {
		jsonError(w, http.StatusForbidden, "Invalid fileId.")
		return nil, nil, false
	}
	return ss, f, true
}

// download is LocalSend's download: one file, by ID, streamed from disk.
func (sh *Share) download(w http.ResponseWriter, r *http.Request) {
	ss, f, ok := sh.file(w, r)
	if !ok {
		return
	}
	h, fi, err := f.open()
	if err != nil {
		jsonError(w, http.StatusNotFound, "The file is no longer there.")
		return
	}
	defer h.Close()
	done, ok := sh.startStream(ss)
	if !ok {
		jsonError(w, http.StatusTooManyRequests, "Too many downloads at once.")
		return
	}
	defer done()
	sh.changed()
	base := f.Name[strings.LastIndexByte(f.Name, '/')+1:]
	hd := w.Header()
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Disposition", attachment(base))
	hd.Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	sh.stream(w, io.LimitReader(h, fi.Size()))
}

// zip streams every file as one zip, read straight from disk (stored, not
// compressed: no temporary copy, no CPU spent on photos and videos that
// don't shrink). Names inside are the share's safe names.
func (sh *Share) zip(w http.ResponseWriter, r *http.Request) {
	ss := sh.allowed(sessionID(r), remoteAddr(r))
	if ss == nil {
		jsonError(w, http.StatusForbidden, "Invalid sessionId.")
		return
	}
	done, ok := sh.startStream(ss)
	if !ok {
		jsonError(w, http.StatusTooManyRequests, "Too many downloads at once.")
		return
	}
	defer done()
	sh.changed()
	hd := w.Header()
	hd.Set("Content-Type", "application/zip")
	hd.Set("Content-Disposition", attachment(zipName(sh.o.Alias())))
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	cw := &cutWriter{sh: sh, w: w, rc: http.NewResponseController(w)}
	defer cw.close()
	zw := zip.NewWriter(cw)
	for i := range sh.files {
		f := &sh.files[i]
		h, fi, err := f.open()
		if err != nil {
			continue // gone since it was chosen: the rest still arrive
		}
		fh := &zip.FileHeader{Name: f.Name, Method: zip.Store, Modified: fi.ModTime()}
		fh.SetMode(0o644)
		out, err := zw.CreateHeader(fh)
		if err == nil {
			_, err = io.Copy(out, io.LimitReader(h, fi.Size()))
		}
		h.Close()
		if err != nil {
			panic(http.ErrAbortHandler) // cut, so the browser sees a failed download, not a short zip
		}
	}
	if err := zw.Close(); err != nil {
		panic(http.ErrAbortHandler)
	}
}

// stream copies a file to the browser, cut when the share stops.
func (sh *Share) stream(w http.ResponseWriter, src io.Reader) {
	cw := &cutWriter{sh: sh, w: w, rc: http.NewResponseController(w)}
	defer cw.close()
	buf := make([]byte, copyChunk)
	if _, err := io.CopyBuffer(cw, src, buf); err != nil {
		panic(http.ErrAbortHandler)
	}
}

// cutWriter writes to the browser until the share stops: a stop also sets
// the connection's write deadline to now, so a write blocked on a browser
// that doesn't read returns at once, and the handler drops the connection.
type cutWriter struct {
	sh   *Share
	w    io.Writer
	rc   *http.ResponseController
	hook func() bool // stops the stop's deadline hook
}

var errStopped = errors.New("sharing stopped")

func (c *cutWriter) Write(p []byte) (int, error) {
	if c.hook == nil {
		c.hook = context.AfterFunc(c.sh.ctx, func() { _ = c.rc.SetWriteDeadline(time.Now()) })
	}
	n := 0
	for len(p) > 0 {
		if c.sh.Stopped() {
			return n, errStopped
		}
		k := min(len(p), copyChunk)
		_ = c.rc.SetWriteDeadline(time.Now().Add(stallWrite))
		if c.sh.Stopped() {
			return n, errStopped // the stop's deadline may have been overwritten just now
		}
		m, err := c.w.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

// close drops the stop hook once the download is over.
func (c *cutWriter) close() {
	if c.hook != nil {
		c.hook()
	}
}

// attachment is a Content-Disposition naming the file in ASCII for old
// browsers and in UTF-8 (RFC 6266/5987) for the rest.
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + strings.ReplaceAll(url.QueryEscape(name), "+", "%20")
}

func zipName(alias string) string {
	a := safeName(strings.ReplaceAll(alias, "/", "_"))
	if a == "" || a == "_" {
		a = "Lempar"
	}
	return a + ".zip"
}

func constEq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
