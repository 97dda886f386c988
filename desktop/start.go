package desktop

import (
	"context"
	"log"
	"os"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/internal/i18n"
)

// Open builds the device the window runs (identity, stores, the
// one-instance lock and the receiver's socket) and its backend. Run the
// device with Serve; the window shows the backend.
func Open(ctx context.Context, configDir string) (*Backend, *app.Device, error) {
	b := New(ctx, i18n.FromEnv())
	dev, err := app.OpenDevice(app.DeviceOptions{
		Options:          app.Options{ConfigDir: configDir, Acceptor: b, OnEvent: b.OnEvent, OnOffer: b.OnOffer},
		FreePortFallback: true, // the usual port is taken: receive on a free one, announced
		IncludeLoopback:  os.Getenv("LEMPAR_MDNS_LOOPBACK") == "1",
		ReachCheck:       true,
		OnReach:          b.OnReach,
		OnSelfChanged:    b.selfChanged,
		Logf:             log.Printf,
	})
	if err != nil {
		return nil, nil, err
	}
	b.Attach(dev)
	if dev.Settings().StartAtLogin {
		// Keep the login entry pointing at this program if it moved.
		_ = app.SetStartAtLogin(true, "")
	}
	return b, dev, nil
}

// Describe renders an error in tr's language when it carries a
// translation (engine and store errors do), else as it is.
func Describe(tr *i18n.Translator, err error) string { return i18n.Describe(tr, err) }
