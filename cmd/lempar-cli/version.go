package main

import "github.com/lempar/lempar/internal/buildinfo"

func version() string { return buildinfo.Version }
