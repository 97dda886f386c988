// Package netns is test support for code that multicasts: it runs tests
// inside network namespaces so that mDNS never reaches the machine's real
// interfaces.
//
// Two shapes:
//
//   - Loopback: MainInLoopback re-executes a test binary inside a fresh
//     user+network namespace (unshare -rn) whose only interface is lo, with
//     multicast on and routed to it. Works as root and, where unprivileged
//     user namespaces are allowed, without. Tests that need it call
//     RequireLoopback, which skips with the reason when it wasn't possible.
//   - LAN: New builds N namespaces ("hosts") cabled to a bridge that lives in
//     a namespace of its own ("switch"), so nothing touches the host's
//     network. Each host has lo and eth0 with 10.77.0.(n+1)/24 and an IPv6
//     link-local address; commands run inside with Command/Run, each in its
//     own UTS namespace so host names differ. DropMulticast filters mDNS on
//     the bridge. Needs root (ip netns); skips otherwise.
package netns
