package desktop

import (
	"context"
	"errors"
	"log"
	"os"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/internal/i18n"
)

// Start builds the node (identity, stores, receiver socket) and discovery,
// runs both until ctx ends, and returns the backend for the window.
func Start(ctx context.Context, configDir string) (*Backend, error) {
	b := New(ctx, i18n.FromEnv())
	n, err := app.NewNode(app.Options{ConfigDir: configDir, Acceptor: b, OnEvent: b.OnEvent})
	if err != nil {
		return nil, err
	}
	if err := n.Listen(); err != nil {
		// The usual port is taken (another Lempar?): receive on any free
		// port rather than not at all; discovery announces the real one.
		log.Printf("lempar: %v; using a free port instead", err)
		n2, err2 := app.NewNode(app.Options{ConfigDir: configDir, Acceptor: b, OnEvent: b.OnEvent, Port: -1})
		if err2 != nil {
			return nil, err2
		}
		if err := n2.Listen(); err != nil {
			return nil, err
		}
		n = n2
	}
	d := n.NewDiscovery(app.DiscoveryOptions{IncludeLoopback: os.Getenv("LEMPAR_MDNS_LOOPBACK") == "1"})
	b.Attach(n, d)
	b.scheduleVisibilityEnd(n.Settings())
	if n.Settings().StartAtLogin {
		// Keep the login entry pointing at this program if it moved.
		_ = app.SetStartAtLogin(true, "")
	}
	go func() {
		if err := n.ServeReceiver(ctx); err != nil {
			log.Printf("lempar: receiver stopped: %v", err)
		}
	}()
	b.ls = n.NewLocalSend(app.LocalSendOptions{IncludeLoopback: os.Getenv("LEMPAR_MDNS_LOOPBACK") == "1", Logf: log.Printf})
	go func() {
		if err := b.ls.Serve(ctx); err != nil {
			log.Printf("lempar: LocalSend compatibility stopped: %v", err)
		}
	}()
	go b.checkReach(ctx)
	go func() {
		if err := d.Serve(ctx); err != nil {
			log.Printf("lempar: discovery stopped: %v", err)
		}
	}()
	return b, nil
}

// Describe renders an error in tr's language when it carries a
// translation (engine and store errors do), else as it is.
func Describe(tr *i18n.Translator, err error) string {
	var l interface{ Localize(*i18n.Translator) string }
	if errors.As(err, &l) {
		return l.Localize(tr)
	}
	return err.Error()
}
