package opener

import "os/exec"

func openCommand(p string) (string, []string) { return "open", []string{p} }

// revealCommand: Finder selects the files.
func revealCommand(paths []string) (string, []string, bool) {
	return "open", append([]string{"-R"}, paths...), true
}

func command(p string, args ...string) *exec.Cmd { return exec.Command(p, args...) }

func exitErr(_ string, err error) error { return err }
