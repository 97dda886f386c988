// Package app wires Lempar together: settings, identity, the trust store and
// history, and a Node that joins discovery and transfer for the GUI and CLI.
package app
