//go:build race

package localsend

const raceBuild = true
