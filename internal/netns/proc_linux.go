package netns

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the program end with the test process: the exec
// chain ip → unshare → sh → program keeps one PID, so the signal reaches
// the program itself.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

func kill(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }

func alive(pid int) bool { return syscall.Kill(pid, 0) != syscall.ESRCH }
