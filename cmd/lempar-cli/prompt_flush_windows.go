package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// flushTypeahead discards key presses not read yet from the console.
func flushTypeahead(f *os.File) { _ = windows.FlushConsoleInputBuffer(windows.Handle(f.Fd())) }
