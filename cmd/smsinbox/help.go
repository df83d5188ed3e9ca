package main

import (
	"flag"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"
)

// commands are every command by full name ("numbers add"); groups are the
// first words of commands with subcommands.
var (
	commands = map[string]*command{}
	groups   = map[string]string{} // name -> summary
)

func register(c *command) { commands[c.name] = c }

func init() {
	for _, c := range []*command{
		serveCommand(), modemCommand(), importCommand(), exportCommand(),
		numbersAdd(), numbersList(), numbersRetire(), numbersActivate(), numbersLabel(),
		demoCommand(), pduDecode(), backupCommand(), migrateCommand(), versionCommand(), helpCommand(),
	} {
		register(c)
	}
	groups["numbers"] = "manage the published numbers: add, list, retire, activate, label"
	groups["pdu"] = "decode SMS-DELIVER PDUs (pdu decode)"
}

// order is how the command list reads.
var order = []string{"serve", "modem", "import", "export", "numbers", "demo", "pdu", "backup", "migrate", "version", "help"}

func helpCommand() *command {
	return &command{
		name:    "help",
		args:    "[COMMAND]",
		summary: "show the commands, or the flags of one command",
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			return func(e *env, args []string) error { return e.help(args) }
		},
	}
}

func (e *env) help(args []string) error {
	name := strings.Join(args, " ")
	if name == "" {
		printOverview(e.stdout)
		return nil
	}
	if _, ok := groups[name]; ok {
		fmt.Fprintf(e.stdout, "usage: smsinbox %s COMMAND [flags]\n\n%s\n\ncommands:\n", name, groups[name])
		w := tabwriter.NewWriter(e.stdout, 0, 8, 2, ' ', 0)
		for _, sub := range subNames(name) {
			c := commands[name+" "+sub]
			fmt.Fprintf(w, "  %s %s\t%s\n", sub, c.args, c.summary)
		}
		w.Flush()
		fmt.Fprintf(e.stdout, "\nRun smsinbox help %s COMMAND for its flags.\n", name)
		return nil
	}
	c := commands[name]
	if c == nil {
		return usagef("", "unknown command %q", name)
	}
	fs := newFlagSet(c.name)
	c.flags(fs)
	addConfigFlag(fs)
	printHelp(e.stdout, c, fs)
	return nil
}

func printOverview(w io.Writer) {
	fmt.Fprint(w, "smsinbox publishes the SMS messages its numbers receive.\n\nusage: smsinbox COMMAND [flags] [arguments]\n\ncommands:\n")
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, name := range order {
		if s, ok := groups[name]; ok {
			fmt.Fprintf(tw, "  %s\t%s\n", name, s)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, commands[name].summary)
	}
	tw.Flush()
	fmt.Fprint(w, `
Every flag can also be set in the environment as SMSINBOX_<FLAG> (upper case,
dashes as underscores: --public-url is SMSINBOX_PUBLIC_URL), or in a config
file given by --config or SMSINBOX_CONFIG with "flag-name = value" lines.
A flag on the command line beats the environment, which beats the file.

Run smsinbox help COMMAND for the flags of a command.
`)
}

func printHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	usage := "smsinbox " + c.name + " [flags]"
	if c.args != "" {
		usage += " " + c.args
	}
	fmt.Fprintf(w, "usage: %s\n\n%s\n", usage, c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.help))
	}
	var flags []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
	if len(flags) == 0 {
		return
	}
	sort.Slice(flags, func(i, j int) bool { return flags[i].Name < flags[j].Name })
	fmt.Fprint(w, "\nflags:\n")
	for _, f := range flags {
		arg, text := flag.UnquoteUsage(f)
		if _, ok := f.Value.(interface{ isList() }); ok {
			arg = "VALUE"
		}
		head := "  --" + f.Name
		if arg != "" {
			head += " " + strings.ToUpper(arg)
		}
		fmt.Fprintln(w, head)
		fmt.Fprintf(w, "        %s\n", text)
		env := "        env " + envName(f.Name)
		if def := f.DefValue; def != "" && !isZeroValue(f, def) {
			env += ", default " + def
		}
		fmt.Fprintln(w, env)
	}
}

// isZeroValue reports whether def is the zero value of f's type, which the
// help leaves out.
func isZeroValue(f *flag.Flag, def string) bool {
	typ := reflect.TypeOf(f.Value)
	var z reflect.Value
	if typ.Kind() == reflect.Pointer {
		z = reflect.New(typ.Elem())
	} else {
		z = reflect.Zero(typ)
	}
	v, ok := z.Interface().(flag.Value)
	if !ok {
		return false
	}
	defer func() { recover() }()
	return def == v.String()
}
