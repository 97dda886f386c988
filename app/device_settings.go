package app

import (
	"time"

	"github.com/lempar/lempar/discovery"
)

// ApplySettings stores s and pushes it into the running device at once:
// the announced name and visibility, the receiver's port (a new socket;
// transfers in flight keep theirs), LocalSend on or off, and when
// "visible for 10 minutes" ends. A port that can't be opened leaves the
// old one in place and returns the error; everything else is applied.
func (d *Device) ApplySettings(s Settings) error {
	s = s.Normalized()
	old := d.Settings()
	wasHidden := d.hiddenFromLocalSend()
	if err := d.SaveSettings(s); err != nil {
		return err
	}
	now := time.Now()
	cur := d.Settings() // with this run's overrides
	d.disc.SetName(cur.DeviceName)
	d.disc.SetVisibility(d.visibility(cur, now))
	var portErr error
	if !d.o.NoReceiver && d.o.Options.Port == 0 && s.Port != old.Port && s.Port != d.Port() {
		if ln, err := d.listenOn(s.Port); err != nil {
			portErr = err
		} else {
			d.mu.Lock()
			d.ln.swap(ln)
			d.mu.Unlock()
			d.disc.SetPort(d.Port())
		}
	}
	d.ls.Changed()
	if svc := d.ls.Service(); svc != nil && wasHidden && !d.hiddenFromLocalSend() {
		svc.Reannounce() // phones with LocalSend open see it now, not at their next search
	}
	d.scheduleVisibilityEnd()
	return portErr
}

func (d *Device) visibility(s Settings, now time.Time) discovery.Visibility {
	if d.o.Hidden || d.o.NoReceiver {
		return discovery.Visibility{Mode: discovery.Hidden}
	}
	return VisibilityOf(s, now)
}

// hiddenFromLocalSend is whether LocalSend keeps quiet too: the person hid
// this device. A look-only device (CLI send and peers) still announces,
// because announcing is how LocalSend apps are made to answer and so be
// found.
func (d *Device) hiddenFromLocalSend() bool {
	if d.o.NoReceiver {
		return false
	}
	now := time.Now()
	return !d.visibility(d.Settings(), now).Announcing(now)
}

// scheduleVisibilityEnd turns "visible for 10 minutes" into hidden when
// the time is up, in the settings as well, and tells OnSelfChanged.
func (d *Device) scheduleVisibilityEnd() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.visTimer != nil {
		d.visTimer.Stop()
		d.visTimer = nil
	}
	s := d.Settings()
	if s.Visibility != VisibilityVisible10Min {
		return
	}
	d.visTimer = time.AfterFunc(time.Until(s.VisibleUntil), func() {
		st := d.Settings()
		if st.Visibility != VisibilityVisible10Min || st.VisibleUntil.After(time.Now()) {
			return // changed meanwhile
		}
		d.disc.SetVisibility(discovery.Visibility{Mode: discovery.Hidden})
		st.SetVisibility(VisibilityHidden, time.Now())
		if err := d.SaveSettings(st); err != nil {
			d.o.Logf("lempar: %v", err)
		}
		if d.o.OnSelfChanged != nil {
			d.o.OnSelfChanged()
		}
	})
}
