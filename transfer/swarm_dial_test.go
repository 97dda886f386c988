package transfer

import "testing"

func TestMemberDialAddr(t *testing.T) {
	for _, c := range []struct{ addr, zone, want string }{
		{"[fe80::1%eth0]:53318", "wlp2s0", "[fe80::1%wlp2s0]:53318"}, // the sender's zone is replaced by ours
		{"[fe80::1]:53318", "br0", "[fe80::1%br0]:53318"},            // none given: ours
		{"[fe80::1%eth0]:53318", "", "[fe80::1%eth0]:53318"},         // we reach the sender over IPv4: as given
		{"192.168.1.7:53318", "wlp2s0", "192.168.1.7:53318"},
		{"[2001:db8::7]:53318", "wlp2s0", "[2001:db8::7]:53318"}, // global: no zone
		{"sari-pc.local:53318", "wlp2s0", "sari-pc.local:53318"},
	} {
		if got := memberDialAddr(c.addr, c.zone); got != c.want {
			t.Errorf("memberDialAddr(%q, %q) = %q, want %q", c.addr, c.zone, got, c.want)
		}
	}
}
