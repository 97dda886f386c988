//go:build !linux

// Command lempar-bench measures Lempar's transfers against the machine's own
// ceilings. It reads /proc and uses Linux system calls, so it runs on Linux
// only.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "lempar-bench runs on Linux only")
	os.Exit(1)
}
