// Command firewall writes the NSIS include (firewall.nsh) that the Windows
// installer uses to open Windows Defender Firewall for Lempar when it is
// installed for all users: inbound allow rules on the Private profile for
// lempar.exe, and the delete commands the uninstaller runs. It is a program,
// not hand-written NSIS, so the unit test can check that every rule the
// installer adds is one the uninstaller removes.
//
//	go run ./packaging/windows/firewall -o firewall.nsh
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// The ports Lempar listens on. The test checks them against app.DefaultPort
// and localsend.DefaultPort; they are copied, not imported, so that building
// the installer compiles nothing but this file.
const (
	lemparPort    = 53318 // app.DefaultPort: the Lempar receiver (TCP)
	localSendPort = 53317 // localsend.DefaultPort: LocalSend's HTTP server (TCP) and multicast (UDP)
	mdnsPort      = 5353  // mDNS: finding Lempar devices
)

// Program is where the rules point: the installed app, as NSIS expands it
// at install time.
const Program = `$INSTDIR\lempar.exe`

// Rule is one inbound allow rule.
type Rule struct {
	Name     string // unique, so delete removes exactly this rule
	Protocol string // TCP or UDP
	Port     int
}

// Rules are the rules of an all-users install (read only).
var Rules = []Rule{
	{fmt.Sprintf("Lempar (TCP %d)", lemparPort), "TCP", lemparPort},
	{fmt.Sprintf("Lempar LocalSend (TCP %d)", localSendPort), "TCP", localSendPort},
	{fmt.Sprintf("Lempar LocalSend (UDP %d)", localSendPort), "UDP", localSendPort},
	{fmt.Sprintf("Lempar mDNS (UDP %d)", mdnsPort), "UDP", mdnsPort},
}

// netsh is the firewall tool; $SYSDIR is System32 in a 64-bit installer.
const netsh = `"$SYSDIR\netsh.exe" advfirewall firewall`

// AddCommand is the command line that adds r for program.
func AddCommand(r Rule, program string) string {
	return fmt.Sprintf(`%s add rule name="%s" dir=in action=allow program="%s" enable=yes profile=private protocol=%s localport=%d`,
		netsh, r.Name, program, r.Protocol, r.Port)
}

// DeleteCommand is the command line that removes every rule named r.Name
// (netsh deletes all rules of that name, so a repeated install leaves none).
func DeleteCommand(r Rule) string {
	return fmt.Sprintf(`%s delete rule name="%s"`, netsh, r.Name)
}

// exec is one NSIS statement running cmd without a console window and
// logging its output; the exit code is popped and dropped: a firewall that
// refuses a rule must not stop the install (the app's hint still helps).
func exec(w io.Writer, cmd string) {
	fmt.Fprintf(w, "\tnsExec::ExecToLog '%s'\n\tPop $0\n", cmd)
}

// Write prints the include: macro LemparFirewallAdd (deletes, then adds, so
// an upgrade does not duplicate rules) and LemparFirewallRemove. Both use $0.
func Write(w io.Writer, rules []Rule) error {
	for _, r := range rules {
		// NSIS quotes the command in '…', Windows quotes arguments in "…".
		if strings.ContainsAny(r.Name, `'"$`) {
			return fmt.Errorf("rule name %q has a quote or $", r.Name)
		}
	}
	fmt.Fprintln(w, "; Written by packaging/windows/firewall (go run ./packaging/windows/firewall): do not edit.")
	fmt.Fprintln(w, "!macro LemparFirewallAdd")
	for _, r := range rules {
		exec(w, DeleteCommand(r))
		exec(w, AddCommand(r, Program))
	}
	fmt.Fprintln(w, "!macroend")
	fmt.Fprintln(w, "!macro LemparFirewallRemove")
	for _, r := range rules {
		exec(w, DeleteCommand(r))
	}
	fmt.Fprintln(w, "!macroend")
	return nil
}

func main() {
	out := flag.String("o", "", "write to this file instead of standard output")
	flag.Parse()
	var b strings.Builder
	err := Write(&b, Rules)
	if err == nil && *out != "" {
		err = os.WriteFile(*out, []byte(b.String()), 0o644)
	} else if err == nil {
		_, err = os.Stdout.WriteString(b.String())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "firewall:", err)
		os.Exit(1)
	}
}
