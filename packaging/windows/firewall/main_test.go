package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/localsend"
)

// execLine is one generated NSIS statement: the command between '…'.
var execLine = regexp.MustCompile(`^\tnsExec::ExecToLog '([^']*)'$`)

// macros runs Write and returns each macro's commands, split into
// arguments as Windows splits a command line (double quotes group).
func macros(t *testing.T) map[string][][]string {
	t.Helper()
	var b strings.Builder
	if err := Write(&b, Rules); err != nil {
		t.Fatal(err)
	}
	got := map[string][][]string{}
	name := ""
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "!macro "):
			name = strings.TrimPrefix(line, "!macro ")
		case line == "!macroend":
			name = ""
		case line == "\tPop $0":
		default:
			m := execLine.FindStringSubmatch(line)
			if m == nil || name == "" {
				t.Fatalf("unexpected line %q", line)
			}
			got[name] = append(got[name], splitArgs(t, m[1]))
		}
	}
	return got
}

// splitArgs splits a command line the way Windows programs read it (for
// the simple case here: no backslash-quote escapes) and fails on an
// unbalanced quote, which would run a different command.
func splitArgs(t *testing.T, cmd string) []string {
	t.Helper()
	var args []string
	var cur strings.Builder
	quoted, inArg := false, false
	for _, c := range cmd {
		switch {
		case c == '"':
			quoted, inArg = !quoted, true
		case c == ' ' && !quoted:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(c)
			inArg = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quote in %s", cmd)
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

// options turns a netsh command's key=value arguments after its verb into a
// map, failing on a repeated key.
func options(t *testing.T, args []string, verb string) map[string]string {
	t.Helper()
	prefix := []string{`$SYSDIR\netsh.exe`, "advfirewall", "firewall", verb, "rule"}
	if len(args) < len(prefix) || strings.Join(args[:len(prefix)], " ") != strings.Join(prefix, " ") {
		t.Fatalf("%q does not start with %q", args, prefix)
	}
	o := map[string]string{}
	for _, a := range args[len(prefix):] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			t.Fatalf("argument %q of %q is not key=value", a, args)
		}
		if _, dup := o[k]; dup {
			t.Fatalf("%s given twice in %q", k, args)
		}
		o[k] = v
	}
	return o
}

func TestPortsAreTheApps(t *testing.T) {
	if lemparPort != app.DefaultPort {
		t.Errorf("lemparPort %d, app.DefaultPort %d", lemparPort, app.DefaultPort)
	}
	if localSendPort != localsend.DefaultPort {
		t.Errorf("localSendPort %d, localsend.DefaultPort %d", localSendPort, localsend.DefaultPort)
	}
}

func TestAddRules(t *testing.T) {
	m := macros(t)
	add := m["LemparFirewallAdd"]
	want := map[string]bool{"TCP 53318": true, "TCP 53317": true, "UDP 53317": true, "UDP 5353": true}
	deleted := map[string]bool{}
	added := map[string]bool{}
	for _, args := range add {
		switch args[3] {
		case "delete":
			o := options(t, args, "delete")
			if len(o) != 1 || o["name"] == "" {
				t.Errorf("delete %q: want only a name", args)
			}
			deleted[o["name"]] = true
		case "add":
			o := options(t, args, "add")
			name := o["name"]
			if !deleted[name] {
				t.Errorf("rule %q is added without deleting an earlier one of that name first (an upgrade would duplicate it)", name)
			}
			if added[name] {
				t.Errorf("rule name %q added twice", name)
			}
			added[name] = true
			for k, v := range map[string]string{"dir": "in", "action": "allow", "profile": "private",
				"enable": "yes", "program": `$INSTDIR\lempar.exe`} {
				if o[k] != v {
					t.Errorf("rule %q: %s=%q, want %q", name, k, o[k], v)
				}
			}
			if !strings.HasPrefix(name, "Lempar") {
				t.Errorf("rule %q: name should start with Lempar (it is what people see in the firewall's list)", name)
			}
			pp := o["protocol"] + " " + o["localport"]
			if !want[pp] {
				t.Errorf("rule %q opens %s, not one of Lempar's ports", name, pp)
			}
			delete(want, pp)
		default:
			t.Errorf("unexpected command %q", args)
		}
	}
	for pp := range want {
		t.Errorf("no rule opens %s", pp)
	}
}

// The program path is quoted as one argument even with spaces in it (an
// all-users install lives in "C:\Program Files\Lempar").
func TestProgramQuoted(t *testing.T) {
	cmd := AddCommand(Rules[0], `C:\Program Files\Lempar\lempar.exe`)
	o := options(t, splitArgs(t, cmd), "add")
	if o["program"] != `C:\Program Files\Lempar\lempar.exe` {
		t.Errorf("program = %q in %s", o["program"], cmd)
	}
	if !strings.Contains(cmd, `program="C:\Program Files\Lempar\lempar.exe"`) {
		t.Errorf("program not quoted in %s", cmd)
	}
}

func TestRemoveDeletesExactlyTheAdded(t *testing.T) {
	m := macros(t)
	added := map[string]bool{}
	for _, args := range m["LemparFirewallAdd"] {
		if args[3] == "add" {
			added[options(t, args, "add")["name"]] = true
		}
	}
	removed := map[string]bool{}
	for _, args := range m["LemparFirewallRemove"] {
		o := options(t, args, "delete")
		if len(o) != 1 {
			t.Errorf("delete %q: want only a name (any other filter could leave the rule)", args)
		}
		if !added[o["name"]] {
			t.Errorf("uninstall deletes %q, which the install never adds", o["name"])
		}
		removed[o["name"]] = true
	}
	for n := range added {
		if !removed[n] {
			t.Errorf("uninstall leaves rule %q", n)
		}
	}
	if len(added) != len(Rules) {
		t.Errorf("%d rules added, %d defined", len(added), len(Rules))
	}
}

func TestNameWithQuoteRefused(t *testing.T) {
	if err := Write(&strings.Builder{}, []Rule{{`Lempar "x"`, "TCP", 1}}); err == nil {
		t.Error("a rule name with a double quote was written")
	}
}
