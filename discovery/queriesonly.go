package discovery

import (
	"reflect"
	"unsafe"

	"github.com/grandcat/zeroconf"
	"golang.org/x/net/bpf"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// queriesOnly makes the kernel hand zeroconf's server only the packets it
// acts on: queries without an authority section (its handleQuery drops
// the rest after parsing them). Every device's heartbeat would otherwise
// wake two sockets on every other device, zeroconf's and our monitor's;
// with the filter, only ours. A room query carries an authority section
// (query.go) and is ours to answer too.
//
// zeroconf doesn't expose its sockets, so they are found by field name and
// type in the pinned version (go.mod); if either ever changes, nothing is
// filtered and everything works as before, only less quietly. The filter
// sees the UDP datagram from its 8-byte header: the DNS flags are at
// offset 10 (QR is the top bit), NSCOUNT at 16.
// queriesOnlyFilter keeps a datagram (UDP header first) that is a DNS
// query without an authority section, and drops everything else.
var queriesOnlyFilter = []bpf.Instruction{
	bpf.LoadAbsolute{Off: 10, Size: 1},
	bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x80, SkipTrue: 2}, // a response: drop
	bpf.LoadAbsolute{Off: 16, Size: 2},
	bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipTrue: 1}, // no authority: keep
	bpf.RetConstant{Val: 0},
	bpf.RetConstant{Val: 1 << 16},
}

func queriesOnly(srv *zeroconf.Server) (filtered int) {
	if srv == nil {
		return 0
	}
	prog, err := bpf.Assemble(queriesOnlyFilter)
	if err != nil {
		return 0
	}
	v := reflect.ValueOf(srv).Elem()
	if f := v.FieldByName("ipv4conn"); f.IsValid() && f.Type() == reflect.TypeFor[*ipv4.PacketConn]() {
		if c := *(**ipv4.PacketConn)(unsafe.Pointer(f.UnsafeAddr())); c != nil && c.SetBPF(prog) == nil {
			filtered++
		}
	}
	if f := v.FieldByName("ipv6conn"); f.IsValid() && f.Type() == reflect.TypeFor[*ipv6.PacketConn]() {
		if c := *(**ipv6.PacketConn)(unsafe.Pointer(f.UnsafeAddr())); c != nil && c.SetBPF(prog) == nil {
			filtered++
		}
	}
	return filtered
}
