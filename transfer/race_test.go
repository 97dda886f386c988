//go:build race

package transfer

// raceBuild: the race detector is on (memory figures are not the product's).
const raceBuild = true
