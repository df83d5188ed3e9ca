package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

// TestReadmeConfiguration checks the configuration table of README.md
// against the flags of serve: every flag is in it, with its environment
// variable and its default.
func TestReadmeConfiguration(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "## Configuration")
	if i < 0 {
		t.Fatal("README.md has no Configuration section")
	}
	text = text[i:]
	if j := strings.Index(text[3:], "\n## "); j >= 0 {
		text = text[:j+3]
	}
	fs := newFlagSet("serve")
	commands["serve"].flags(fs)
	addConfigFlag(fs)

	rows := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`--") {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`-")
		envCell := strings.Trim(strings.TrimSpace(cells[2]), "`")
		def := strings.TrimSpace(cells[3])
		rows[name] = true
		f := fs.Lookup(name)
		if f == nil {
			t.Errorf("README.md lists --%s, which serve does not have", name)
			continue
		}
		if want := envName(name); envCell != want {
			t.Errorf("README.md gives --%s the variable %s, want %s", name, envCell, want)
		}
		if strings.HasPrefix(def, "`") && strings.HasSuffix(def, "`") && strings.Count(def, "`") == 2 {
			// A literal default must mean what the flag's default does.
			fresh := newFlagSet("serve")
			commands["serve"].flags(fresh)
			g := fresh.Lookup(name)
			if err := g.Value.Set(strings.Trim(def, "`")); err != nil {
				t.Errorf("README.md's default of --%s, %s, is not a valid value: %v", name, def, err)
			} else if g.Value.String() != f.DefValue {
				t.Errorf("README.md's default of --%s is %s, but the flag's is %q", name, def, f.DefValue)
			}
		} else if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			t.Errorf("README.md's default of --%s is %q, but the flag's is %q", name, def, f.DefValue)
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		if !rows[f.Name] {
			t.Errorf("README.md's configuration table lacks --%s", f.Name)
		}
	})
}
