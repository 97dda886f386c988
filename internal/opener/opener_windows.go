package opener

import (
	"os/exec"
	"strings"
	"syscall"
)

func openCommand(p string) (string, []string) {
	return "rundll32", []string{"url.dll,FileProtocolHandler", p}
}

// revealCommand: Explorer selects one file; it takes the path glued to
// "/select," and quoted as a whole only after the comma.
func revealCommand(paths []string) (string, []string, bool) {
	return "explorer", []string{"/select," + `"` + paths[0] + `"`}, true
}

// command passes the arguments as written: Go's quoting would wrap
// "/select,…" in quotes Explorer does not understand.
func command(p string, args ...string) *exec.Cmd {
	cmd := exec.Command(p)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `"` + p + `" ` + strings.Join(args, " ")}
	return cmd
}

// exitErr: Explorer exits with 1 even when it did what was asked.
func exitErr(name string, err error) error {
	if name == "explorer" {
		return nil
	}
	return err
}
