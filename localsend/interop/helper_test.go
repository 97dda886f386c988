package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/localsend"
	"github.com/lempar/lempar/transfer"
)

// The test binary doubles as the Lempar side of each test: started on a
// namespace host with envHelper set, it runs an app.Node with LocalSend
// compatibility (the real wiring: acceptor and trust rules, history,
// discovery table) and talks over stdin/stdout in JSON lines.
const (
	envHelper = "LEMPAR_LS_HELPER" // JSON helperCfg: be the Lempar node
	envJunk   = "LEMPAR_LS_JUNK"   // send junk multicast and exit
)

type helperCfg struct {
	ConfigDir   string
	DownloadDir string
	Name        string
	PIN         string
	Accept      string   // "yes", "no", or "wait" (print "asked", then wait until cancelled)
	Keep        []string // with Accept "yes": keep only these top-level items (partial accept)
	CancelInAt  int64    // cancel an incoming session once this many bytes arrived (0 = never)
}

// command is one line on the helper's stdin.
type command struct {
	Op          string   // "send" (LocalSend), "lempar" (Lempar protocol to Addr), "stop" (send ID), "cancel-in" (Session), "settings"
	ID          string   // names a send, for "stop"
	Session     string   // an incoming session, for "cancel-in"
	HTTP        bool     // "settings": allow LocalSend without encryption
	Peer        string   // localsend:<fingerprint>
	Addr        string   // host:port for "lempar", or for "send" without Peer
	Paths       []string // files and folders
	Text        string
	PINs        []string // answers to PIN prompts, in order
	CancelAfter int64    // cancel the send after this many bytes (0 = never)
}

// evLine is a transfer.Event as the helper prints it.
type evLine struct {
	Kind      string // "event", "sent", "peer", "refused", "ready", "error"
	Session   string
	Direction string
	PeerID    string
	PeerName  string
	PeerOS    string
	Source    string
	Addr      string
	State     string
	Files     int
	FilesDone int
	Skipped   int
	SkippedAt []string // the skipped items' top-level names
	Total     int64
	Done      int64
	Saved     []string
	Texts     []string
	Dir       string
	Err       string
	Code      string
	At        time.Time
}

func toLine(kind string, e transfer.Event) evLine {
	l := evLine{Kind: kind, Session: e.Session, Direction: string(e.Direction), PeerID: e.Peer.ID, PeerName: e.Peer.Name,
		State: string(e.State), Files: e.Files, FilesDone: e.FilesDone, Skipped: e.Skipped, SkippedAt: e.SkippedItems, Total: e.Total, Done: e.Done,
		Saved: e.Saved, Texts: e.Texts, Dir: e.Dir, At: time.Now()}
	if e.Err != nil {
		l.Err, l.Code = e.Err.Error(), transfer.CodeOf(e.Err).String()
	}
	return l
}

func runHelper(raw string) int {
	var cfg helperCfg
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Println(err)
		return 2
	}
	var outMu sync.Mutex
	out := func(l evLine) {
		b, _ := json.Marshal(l)
		outMu.Lock()
		fmt.Println(string(b))
		outMu.Unlock()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var ls *app.LocalSend
	var cancelled, sends sync.Map
	onEvent := func(e transfer.Event) {
		out(toLine("event", e))
		if cfg.CancelInAt > 0 && e.Direction == transfer.Incoming && e.Done >= cfg.CancelInAt {
			if _, dup := cancelled.LoadOrStore(e.Session, true); !dup {
				go ls.Cancel(e.Session)
			}
		}
	}
	node, err := app.NewNode(app.Options{
		ConfigDir: cfg.ConfigDir, Name: cfg.Name, Dir: cfg.DownloadDir, Port: -1,
		Acceptor: transfer.AcceptorFunc(func(ctx context.Context, r *transfer.Request) transfer.Answer {
			if cfg.Accept == "wait" { // a person who hasn't answered yet
				out(evLine{Kind: "asked", Session: r.Session, PeerName: r.Peer.Name})
				<-ctx.Done()
				return transfer.Answer{}
			}
			return transfer.Answer{Accept: cfg.Accept == "yes", Items: keepTops(r, cfg.Keep)}
		}),
		OnEvent: onEvent,
		OnRefused: func(p transfer.PeerInfo, err error) {
			out(evLine{Kind: "refused", PeerName: p.Name, Err: err.Error(), Code: transfer.CodeOf(err).String()})
		},
	})
	if err != nil {
		fmt.Println(err)
		return 2
	}
	if err := node.Listen(); err != nil {
		fmt.Println(err)
		return 2
	}
	out(evLine{Kind: "listen", Addr: fmt.Sprint(node.Port())})
	go node.ServeReceiver(ctx)
	disc := node.NewDiscovery(app.DiscoveryOptions{})
	go disc.Serve(ctx)
	events, unsub := disc.Subscribe()
	defer unsub()
	go func() {
		for ev := range events {
			p := ev.Peer
			out(evLine{Kind: "peer", State: ev.Kind.String(), PeerID: p.ID, PeerName: p.Name, PeerOS: p.OS, Source: p.Source.String(), Addr: p.Addr().String()})
		}
	}()
	ls = node.NewLocalSend(app.LocalSendOptions{
		PIN:  func() string { return cfg.PIN },
		Logf: func(f string, a ...any) { out(evLine{Kind: "log", Err: fmt.Sprintf(f, a...), At: time.Now()}) },
		OnStarted: func(s *localsend.Service) {
			out(evLine{Kind: "ready", Addr: net.JoinHostPort("", fmt.Sprint(s.Port()))})
		},
	})
	go ls.Serve(ctx)

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	lines := make(chan string)
	go func() {
		for in.Scan() {
			lines <- in.Text()
		}
		close(lines)
	}()
	for {
		select {
		case <-ctx.Done():
			return 0
		case line, ok := <-lines:
			if !ok {
				return 0
			}
			var c command
			if err := json.Unmarshal([]byte(line), &c); err != nil {
				out(evLine{Kind: "error", Err: err.Error()})
				continue
			}
			switch c.Op {
			case "stop":
				if stop, ok := sends.Load(c.ID); ok {
					stop.(context.CancelFunc)()
				}
				continue
			case "cancel-in":
				go ls.Cancel(c.Session)
				continue
			case "settings":
				st := node.Settings()
				st.LocalSendHTTP = c.HTTP
				if err := node.SaveSettings(st); err != nil {
					out(evLine{Kind: "error", Err: err.Error()})
				}
				ls.Changed()
				continue
			}
			if c.Op == "lempar" {
				go func() {
					srcs, err := transfer.CollectSources(c.Paths)
					if err != nil {
						out(evLine{Kind: "error", Err: err.Error()})
						return
					}
					ev, _ := node.SendTo(ctx, c.Addr, "", "", "", srcs, nil)
					out(toLine("sent", ev))
				}()
				continue
			}
			sctx, stop := context.WithCancel(ctx)
			if c.ID != "" {
				sends.Store(c.ID, stop)
			}
			go func() {
				defer stop()
				helperSend(sctx, ls, c, out)
			}()
		}
	}
}

func helperSend(ctx context.Context, ls *app.LocalSend, c command, out func(evLine)) {
	var srcs []transfer.Source
	if len(c.Paths) > 0 {
		s, err := transfer.CollectSources(c.Paths)
		if err != nil {
			out(evLine{Kind: "error", Err: err.Error()})
			return
		}
		srcs = s
	}
	if c.Text != "" {
		s, _ := transfer.TextSource(c.Text)
		srcs = append(srcs, s)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var pin func(context.Context, bool) (string, bool)
	if c.PINs != nil {
		i := 0
		pin = func(context.Context, bool) (string, bool) {
			if i >= len(c.PINs) {
				return "", false
			}
			i++
			return c.PINs[i-1], true
		}
	}
	onEvent := func(e transfer.Event) {
		out(toLine("event", e))
		if c.CancelAfter > 0 && e.Done >= c.CancelAfter {
			cancel()
		}
	}
	var ev transfer.Event
	if c.Peer == "" && c.Addr != "" { // by address, as after a manual add: no discovery needed
		ev, _ = ls.SendTo(ctx, localsend.Device{Addr: netip.MustParseAddrPort(c.Addr)}, srcs, pin, onEvent)
	} else {
		ev, _ = ls.Send(ctx, c.Peer, srcs, pin, onEvent)
	}
	out(toLine("sent", ev))
}

// runJunk multicasts hostile datagrams on this host's eth0.
func runJunk() int {
	c, err := net.ListenPacket("udp4", ":0")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer c.Close()
	pc := ipv4.NewPacketConn(c)
	if ifi, err := net.InterfaceByName("eth0"); err == nil {
		_ = pc.SetMulticastInterface(ifi)
	}
	group := &net.UDPAddr{IP: net.ParseIP(localsend.MulticastAddr4), Port: localsend.DefaultPort}
	for _, p := range junkPayloads() {
		if _, err := pc.WriteTo([]byte(p), nil, group); err != nil {
			fmt.Println(err)
			return 1
		}
	}
	fmt.Println("sent junk")
	return 0
}

func junkPayloads() []string {
	big := make([]byte, 60000)
	for i := range big {
		big[i] = '['
	}
	return []string{
		"", "\x00\x01\x02", "not json", "{", "[]", "null", string(big),
		`{"alias":"JUNK-1","fingerprint":"","port":53317,"announce":true}`,
		`{"alias":"JUNK-2","fingerprint":"has space","port":53317,"announce":true}`,
		`{"alias":"JUNK-3","fingerprint":"f3","port":99999,"announce":true}`,
		`{"alias":"JUNK-4","fingerprint":"f4","port":"53317","announce":true}`,
		`{"alias":"JUNK-5","fingerprint":"f5","port":53317,"protocol":"gopher","announce":true}`,
		`{"alias":{"x":1},"fingerprint":"f6","port":53317}`,
		`{"alias":"JUNK-7","fingerprint":"f7","port":53317,"announce":true} trailing`,
	}
}
