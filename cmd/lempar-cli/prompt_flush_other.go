//go:build !linux && !windows && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly

package main

import "os"

// flushTypeahead: no portable way here; the arrival time of each line
// still keeps earlier answers from counting.
func flushTypeahead(*os.File) {}
