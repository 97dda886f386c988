//go:build linux

package discovery

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/internal/netns"
	"github.com/lempar/lempar/internal/testproc"
)

// avahiScript runs avahi on a LAN host without touching the machine's own
// /etc or /run: a private mount namespace with tmpfs on /run, a copy of
// /etc/avahi bind-mounted in place, a private system bus, then
// avahi-daemon. It publishes a _lempar._tcp record with no engine behind
// it and streams avahi-browse's parsable output.
const avahiScript = `set -e
work="$1"; id="$2"
mount -t tmpfs tmpfs /run
mkdir -p /run/dbus /run/avahi-daemon
cp -a /etc/avahi "$work/etc-avahi"
sed -i 's/^#*enable-wide-area=.*/enable-wide-area=no/' "$work/etc-avahi/avahi-daemon.conf"
mount --bind "$work/etc-avahi" /etc/avahi
dbus-daemon --system --fork --nopidfile >"$work/dbus.log" 2>&1
avahi-daemon --no-chroot -D >"$work/avahi.log" 2>&1
i=0
until avahi-daemon -c 2>/dev/null; do
	i=$((i+1)); [ $i -lt 50 ] || { echo "avahi-daemon did not start" >&2; exit 1; }
	sleep 0.1
done
avahi-publish -s "Avahi Thing" _lempar._tcp 7999 "v=1" "id=$id" "os=linux" >"$work/publish.log" 2>&1 &
exec stdbuf -oL avahi-browse -rp _lempar._tcp
`

func TestAvahiInterop(t *testing.T) {
	if !haveAvahi() {
		t.Skip("skipping: avahi not installed (Debian: avahi-daemon avahi-utils dbus)")
	}
	l := netns.New(t, 3)
	fakeID := strings.Repeat("c", 64)
	w := watch(t, l, 2)
	lempar := newDevice(t, "Lempar One")
	lempar.receive(t, l, 1)
	avahi := runProgram(t, l, 0, "avahi", "unshare", "-m", "--", "sh", "-c", avahiScript, "sh", t.TempDir(), fakeID)

	// avahi sees Lempar with the right TXT and address.
	m := avahi.Next(10*time.Second, "avahi-browse resolves Lempar One", func(e testproc.Event) bool {
		s, _ := e.M["text"].(string)
		return strings.HasPrefix(s, "=;eth0;IPv4;Lempar\\032One;_lempar._tcp;local;")
	})
	f := strings.Split(m.M["text"].(string), ";")
	if len(f) < 10 || f[7] != l.Addr(1).String() || f[8] != strconv.Itoa(lempar.port) || !strings.HasPrefix(f[6], "lempar-") {
		t.Fatalf("avahi resolved %q", m.M["text"])
	}
	for _, kv := range []string{`"id=` + lempar.id + `"`, `"v=1"`, `"os=linux"`} {
		if !strings.Contains(f[9], kv) {
			t.Fatalf("TXT %s lacks %s", f[9], kv)
		}
	}

	// Lempar sees avahi's record: listed as not reachable (nothing listens
	// at its port), next to the real device, and it stays that way.
	seen := map[string]map[string]any{}
	w.Next(10*time.Second, "watcher sees both", func(e testproc.Event) bool {
		if e.M["event"] == "seen" {
			seen[e.M["id"].(string)] = e.M
		}
		return seen[fakeID] != nil && seen[lempar.id] != nil
	})
	if a := seen[fakeID]; a["name"] != "Avahi Thing" || a["reachable"] != false || a["addr"] != l.Addr(0).String()+":7999" {
		t.Fatalf("avahi record listed as %v", a)
	}
	if seen[lempar.id]["reachable"] != true {
		t.Fatalf("Lempar One listed as %v", seen[lempar.id])
	}
	w.None(6*time.Second, "avahi record flapping", func(e testproc.Event) bool {
		return e.M["id"] == fakeID && (e.M["event"] == "lost" || e.M["reachable"] == true)
	})
}

func haveAvahi() bool {
	for _, tool := range []string{"avahi-daemon", "avahi-browse", "avahi-publish", "dbus-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	return true
}
