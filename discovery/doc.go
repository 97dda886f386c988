// Package discovery finds nearby Lempar devices: mDNS/DNS-SD announce and
// browse, an expiring peer table keyed by device ID, and manual add-by-address.
package discovery
