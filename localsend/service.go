package localsend

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// Config sets up a Service. Identity, Alias, Dir and Acceptor are required.
type Config struct {
	Identity *transfer.Identity
	Alias    func() string // this device's name, read whenever it is announced
	Model    string        // deviceModel we announce; "" = the OS ("Linux")
	Dir      func() string // the download folder
	// Acceptor decides on offers exactly as for Lempar peers: the node's
	// trust rules, then the dialog or prompt.
	Acceptor transfer.Acceptor
	OnEvent  func(transfer.Event)
	// OnDevice hears about every LocalSend device that announced itself,
	// registered or answered us (refreshes included).
	OnDevice func(Device)
	// Lempar reports whether an announcer's fingerprint is a Lempar device
	// already heard over mDNS: its announcements are not answered (it finds
	// us over mDNS too), so a room of Lempar devices starting together
	// doesn't cost N² HTTPS calls. Nil answers everyone.
	Lempar func(fingerprint string) bool
	// OnRefused hears about requests refused before anyone was asked (bad
	// JSON, wrong PIN, bad token), for logs, never dialogs.
	OnRefused func(peer transfer.PeerInfo, err error)
	// Known reports whether a verified peer ID is a known device: its offer
	// may use the session slot kept for known devices (see newSession).
	// nil: nobody is known.
	Known func(id string) bool

	Port   int    // TCP and UDP port; 0 = DefaultPort; -1 = any free TCP port (tests)
	Listen string // TCP listen host; "" = all interfaces
	// AllowHTTP also serves plain HTTP on the same port (peers in LocalSend's
	// "encryption off" mode). HTTPS is always served and announced.
	AllowHTTP bool
	// PIN, when it returns non-empty, is required with every offer.
	PIN func() string
	// Share, when set, serves "Share via link" on this port: the page at /
	// and the download API (see package share and share.go).
	Share http.Handler

	// Multicast discovery. NoMulticast turns it off (HTTP only); Interfaces
	// limits it (nil = every up, multicast interface with an address, lo
	// only with IncludeLoopback).
	NoMulticast     bool
	Interfaces      []net.Interface
	IncludeLoopback bool
	MulticastPort   int           // 0 = DefaultPort
	AnnounceEvery   time.Duration // 0 = 30 s
	// Hidden reports whether the person hid this device: then it sends no
	// announcement and answers nobody's (phones still get listed from
	// theirs). Nil: never hidden.
	Hidden    func() bool
	DeviceTTL time.Duration // how long a silent device stays listed; 0 = 95 s

	OfferTimeout time.Duration // 0 = transfer.OfferTimeout
	StallTimeout time.Duration // an accepted session with no bytes for this long fails; 0 = 60 s
	Logf         func(format string, args ...any)
}

// Service is the LocalSend side of a Lempar device: an HTTPS (and
// optionally HTTP) server for the v1 and v2 API, and multicast discovery.
type Service struct {
	cfg Config
	ln  net.Listener

	waiting    atomic.Int32  // answers waiting for mDNS to identify the announcer (discover.go)
	reannounce chan struct{} // capacity 1: start announcing afresh (Reannounce)

	mu       sync.Mutex   // guards everything below
	sessions []*rxSession // incoming sessions, at most maxSessions (see newSession)
	pinFails map[netip.Addr]*pinState
	devices  map[string]Device
	answered map[announcer]time.Time // last announcement heard per announcer (answerGap)
	reading  map[netip.Addr]int      // bodies being read per address
	held     int64                   // offer budget taken (see readBody)
	proven   map[string]time.Time    // fingerprint claims proven by calling back
	wasHTTPS map[string]time.Time    // device IDs proven over HTTPS, when last (see httpsFor)

	outgoing []*outSend     // our uploads a receiver may cancel (see sending)
	telling  sync.WaitGroup // cancels being posted to senders (see Cancel)

	confirming sync.WaitGroup // offers' senders being checked (see listSender)
	confirmN   atomic.Int32
}

const (
	defaultAnnounceEvery = 30 * time.Second
	defaultDeviceTTL     = 95 * time.Second
	defaultStall         = 60 * time.Second
	maxDevices           = 512
	// httpsFor is how long a fingerprint proven over HTTPS is remembered
	// after its device left the list: an unproven claim of it over HTTP
	// (someone else copying the phone's announcement while it's away) is
	// ignored meanwhile. LocalSend apps in HTTP mode announce a random
	// token, not their certificate's hash, so a real device isn't hidden.
	httpsFor = time.Hour
)

// New makes a Service; nothing happens on the network until Listen/Serve.
func New(cfg Config) *Service {
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	if cfg.MulticastPort == 0 {
		cfg.MulticastPort = DefaultPort
	}
	if cfg.AnnounceEvery <= 0 {
		cfg.AnnounceEvery = defaultAnnounceEvery
	}
	if cfg.DeviceTTL <= 0 {
		cfg.DeviceTTL = defaultDeviceTTL
	}
	if cfg.OfferTimeout <= 0 {
		cfg.OfferTimeout = transfer.OfferTimeout
	}
	if cfg.StallTimeout <= 0 {
		cfg.StallTimeout = defaultStall
	}
	if cfg.Model == "" {
		cfg.Model = osModel()
	}
	if cfg.PIN == nil {
		cfg.PIN = func() string { return "" }
	}
	if cfg.Hidden == nil {
		cfg.Hidden = func() bool { return false }
	}
	return &Service{
		cfg:        cfg,
		reannounce: make(chan struct{}, 1),
		pinFails:   map[netip.Addr]*pinState{},
		devices:    map[string]Device{},
		answered:   map[announcer]time.Time{},
		reading:    map[netip.Addr]int{},
		proven:     map[string]time.Time{},
		wasHTTPS:   map[string]time.Time{},
	}
}

func osModel() string {
	switch runtime.GOOS {
	case "linux":
		return "Linux"
	case "windows":
		return "Windows"
	case "darwin":
		return "macOS"
	}
	return runtime.GOOS
}

// Listen opens the TCP port, so Port is known before Serve.
func (s *Service) Listen() error {
	port := s.cfg.Port
	if port < 0 {
		port = 0
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.Listen, strconv.Itoa(port)))
	if err != nil {
		return lsErr(errcode.LocalSendListen, err, "Port", port)
	}
	s.ln = ln
	return nil
}

// Port is where the HTTP(S) server listens (after Listen).
func (s *Service) Port() int {
	if s.ln == nil {
		return 0
	}
	return s.ln.Addr().(*net.TCPAddr).Port
}

// Self is how this device describes itself to LocalSend peers.
func (s *Service) Self() DeviceInfo {
	return DeviceInfo{
		Alias: cleanLabel(s.cfg.Alias(), maxAliasBytes), Version: Version,
		DeviceModel: str(s.cfg.Model), DeviceType: str("desktop"),
		Fingerprint: ourFingerprint(s.cfg.Identity.ID),
		Port:        s.Port(), Protocol: "https", Download: s.sharing(),
	}
}

// Serve runs the server and discovery until ctx ends. An incoming session
// still running then ends as cancelled.
func (s *Service) Serve(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		// HTTP/1.1 only: LocalSend speaks nothing else, and uploads stream
		// faster without HTTP/2 flow control.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	sl := newSniffListener(s.ln, s.tlsConfig(), s.cfg.AllowHTTP, maxConns)
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(sl); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
			cancel()
		}
	}()
	if !s.cfg.NoMulticast {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.discover(ctx)
		}()
	}
	<-ctx.Done()
	s.stopShare() // its link dies with the port, downloads in flight too
	s.cancelActive(engineErr(errcode.Cancelled))
	sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = srv.Shutdown(sctx)
	scancel()
	srv.Close()
	wg.Wait()
	s.telling.Wait()
	s.confirming.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	return nil
}

// tlsConfig serves our identity certificate, whose SHA-256 is the
// fingerprint we announce. A client certificate is asked for but optional:
// when a peer shows one, its hash identifies it better than any claim in
// the JSON.
func (s *Service) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12, // phones' TLS stacks; LocalSend itself uses 1.2 and 1.3
		Certificates: []tls.Certificate{s.cfg.Identity.Cert},
		ClientAuth:   tls.RequestClientCert,
		NextProtos:   []string{"http/1.1"},
	}
}

func (s *Service) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// Devices lists the LocalSend devices heard from within the device TTL.
func (s *Service) Devices() []Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneLocked(time.Now())
	out := make([]Device, 0, len(s.devices))
	for _, d := range s.devices {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Device) int {
		if a.Alias != b.Alias {
			if a.Alias < b.Alias {
				return -1
			}
			return 1
		}
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	return out
}

// Device returns the device with this ID (IDPrefix + fingerprint).
func (s *Service) Device(id string) (Device, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[id]
	if ok && time.Since(d.Seen) > s.cfg.DeviceTTL {
		return Device{}, false
	}
	return d, ok
}

// seen records a device and tells OnDevice. Our own announcements, looped
// back by multicast, are dropped here.
func (s *Service) seen(d Device) {
	if d.ID == PeerID(s.cfg.Identity.ID) || !d.Addr.IsValid() || d.Addr.Port() == 0 {
		return
	}
	s.mu.Lock()
	s.pruneLocked(d.Seen)
	old, ok := s.devices[d.ID]
	if !ok && len(s.devices) >= maxDevices {
		s.mu.Unlock()
		return // a flood of fake devices: keep the ones we have
	}
	if ok && d.Addr.Addr().Is6() && old.Addr.Addr().Is4() && old.Addr.Port() == d.Addr.Port() {
		d.Addr = old.Addr // heard on both groups: IPv4 needs no zone and works from anywhere on the LAN
	}
	if d.Proven {
		s.rememberHTTPS(d.ID, d.Seen)
	} else if t, was := s.wasHTTPS[d.ID]; was && d.Protocol != "https" && d.Seen.Sub(t) < httpsFor {
		s.mu.Unlock()
		return
	}
	if ok && old.Proven && !d.Proven {
		if d.Addr != old.Addr || d.Protocol != old.Protocol {
			// An unproven claim of a proven device elsewhere or over HTTP:
			// possibly forged. The device itself, if it really moved, proves
			// it when it answers our announcements (register, call back).
			// Not logged: a flood of forged datagrams would flood the log.
			s.mu.Unlock()
			return
		}
		old.Seen = d.Seen // the same claim: it only says the device is still there
		d = old
	} else if ok && old.Protocol == "https" && d.Protocol == "http" {
		// One entry per device, HTTPS preferred and never downgraded: the
		// same fingerprint heard over HTTP too (a register answered over
		// HTTP, or an announcement saying so) keeps the HTTPS entry, and
		// only says the device is still there.
		if d.Addr != old.Addr {
			s.mu.Unlock()
			return
		}
		old.Seen = d.Seen
		d = old
	}
	s.devices[d.ID] = d
	s.mu.Unlock()
	if s.cfg.OnDevice != nil {
		s.cfg.OnDevice(d)
	}
}

// rememberHTTPS records a proof over HTTPS (s.mu held), bounded like the
// device list: the oldest go first.
func (s *Service) rememberHTTPS(id string, now time.Time) {
	if _, ok := s.wasHTTPS[id]; !ok && len(s.wasHTTPS) >= maxDevices {
		for k, t := range s.wasHTTPS {
			if now.Sub(t) >= httpsFor {
				delete(s.wasHTTPS, k)
			}
		}
		if len(s.wasHTTPS) >= maxDevices {
			oldest := ""
			for k, t := range s.wasHTTPS {
				if oldest == "" || t.Before(s.wasHTTPS[oldest]) {
					oldest = k
				}
			}
			delete(s.wasHTTPS, oldest)
		}
	}
	s.wasHTTPS[id] = now
}

func (s *Service) pruneLocked(now time.Time) {
	for id, d := range s.devices {
		if now.Sub(d.Seen) > s.cfg.DeviceTTL {
			delete(s.devices, id)
		}
	}
}

func (s *Service) refused(p transfer.PeerInfo, err error) {
	if s.cfg.OnRefused != nil {
		s.cfg.OnRefused(p, err)
	}
}
