package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"smsinbox/store"
)

// env is what a command runs with: everything it reads from or writes to
// outside the process.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand. flags defines its flags on fs and returns the
// function that runs it with its positional arguments.
type command struct {
	name    string // "serve", "numbers add"
	args    string // positional arguments, for the usage line
	summary string // one line for the command list
	help    string // a paragraph for `smsinbox help NAME`
	flags   func(fs *flag.FlagSet) func(e *env, args []string) error
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct {
	cmd string
	msg string
}

func (u *usageError) Error() string {
	if u.cmd == "" {
		return u.msg + "; run smsinbox help"
	}
	return u.msg + "; run smsinbox help " + u.cmd
}

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// errReported is returned by a command that already told the user what
// went wrong (such as refused import lines): exit status 1, nothing more.
var errReported = errors.New("failed; see the messages above")

// exitCode maps the error of run to the process's exit status.
func exitCode(err error) int {
	var u *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return 2
	default:
		return 1
	}
}

// run is the whole program: main only adds the process around it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	err := e.dispatch(args)
	if err != nil && !errors.Is(err, errReported) {
		fmt.Fprintln(stderr, "smsinbox: "+sentence(err))
	}
	return err
}

// sentence is what the user is told about err: one line.
func sentence(err error) string {
	var u *usageError
	if errors.As(err, &u) {
		return u.Error()
	}
	var se *store.Error
	if errors.As(err, &se) {
		if se.Kind == store.KindInternal && se.Err != nil {
			return se.Message + " (" + oneLine(se.Err.Error()) + ")"
		}
		return se.Message
	}
	if errors.Is(err, context.Canceled) {
		return "stopped before finishing"
	}
	return oneLine(err.Error())
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func (e *env) dispatch(args []string) error {
	if len(args) == 0 {
		return usagef("", "no command given")
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		return e.help(nil)
	case "-v", "-version", "--version":
		name = "version"
	}
	if strings.HasPrefix(name, "-") {
		return usagef("", "flags go after the command, as in smsinbox serve %s", name)
	}
	if _, ok := groups[name]; ok {
		if len(args) < 2 || strings.HasPrefix(args[1], "-") {
			if len(args) >= 2 && isHelpFlag(args[1]) {
				return e.help([]string{name})
			}
			return usagef(name, "%s needs one of: %s", name, strings.Join(subNames(name), ", "))
		}
		full := name + " " + args[1]
		c := commands[full]
		if c == nil {
			return usagef(name, "unknown command %q for smsinbox %s (known: %s)", args[1], name, strings.Join(subNames(name), ", "))
		}
		return e.runCommand(c, args[2:])
	}
	c := commands[name]
	if c == nil {
		return usagef("", "unknown command %q", name)
	}
	return e.runCommand(c, args[1:])
}

func isHelpFlag(s string) bool {
	return s == "-h" || s == "-help" || s == "--help"
}

func (e *env) runCommand(c *command, args []string) error {
	fs := newFlagSet(c.name)
	do := c.flags(fs)
	addConfigFlag(fs)
	pos, err := e.parse(c, fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printHelp(e.stdout, c, fs)
		return nil
	}
	if err != nil {
		return err
	}
	return do(e, pos)
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("smsinbox "+name, flag.ContinueOnError)
	// Errors are turned into one sentence by parse, and --help prints to
	// standard output, so the flag package itself prints nothing.
	fs.SetOutput(io.Discard)
	return fs
}

func addConfigFlag(fs *flag.FlagSet) {
	if fs.Lookup("config") == nil {
		fs.String("config", "", "a `file` of \"flag-name = value\" lines; flags and the environment beat it")
	}
}

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return "SMSINBOX_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// listValue is a flag that may be given more than once. From the
// environment its values are separated by commas.
type listValue struct{ vals *[]string }

func (l listValue) String() string {
	if l.vals == nil {
		return ""
	}
	return strings.Join(*l.vals, ",")
}

func (l listValue) Set(v string) error {
	*l.vals = append(*l.vals, v)
	return nil
}

func (listValue) isList() {}

// parse reads args (flags may come before, between or after positional
// arguments; "--" ends the flags), then fills every flag not given on the
// command line from its environment variable, else from the config file.
func (e *env) parse(c *command, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{cmd: c.name, msg: flagError(err)}
		}
		rest := fs.Args()
		used := args[:len(args)-len(rest)]
		if len(used) > 0 && used[len(used)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	cfgPath := ""
	if given["config"] {
		cfgPath = fs.Lookup("config").Value.String()
	} else {
		cfgPath = e.getenv(envName("config"))
	}
	var file map[string][]string
	if cfgPath != "" {
		var err error
		if file, err = readConfig(cfgPath); err != nil {
			return nil, err
		}
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || given[f.Name] || f.Name == "config" {
			return
		}
		_, list := f.Value.(interface{ isList() })
		if v := e.getenv(envName(f.Name)); v != "" {
			vals := []string{v}
			if list {
				vals = splitList(v)
			}
			for _, v := range vals {
				if serr := f.Value.Set(v); serr != nil {
					err = usagef(c.name, "%s=%q is not a valid value for --%s", envName(f.Name), v, f.Name)
					return
				}
			}
			return
		}
		for _, v := range file[f.Name] {
			if serr := f.Value.Set(v); serr != nil {
				err = usagef(c.name, "%q in %s is not a valid value for %s", v, cfgPath, f.Name)
				return
			}
		}
	})
	return pos, err
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// flagError turns an error of the flag package into one sentence.
func flagError(err error) string {
	s := err.Error()
	switch {
	case strings.HasPrefix(s, "flag provided but not defined: "):
		return "unknown flag " + dashes(strings.TrimPrefix(s, "flag provided but not defined: "))
	case strings.HasPrefix(s, "flag needs an argument: "):
		return "flag " + dashes(strings.TrimPrefix(s, "flag needs an argument: ")) + " needs a value"
	case strings.HasPrefix(s, "invalid value "), strings.HasPrefix(s, "invalid boolean value "):
		// invalid value "x" for flag -n: parse error
		if i := strings.Index(s, " for flag "); i >= 0 {
			rest := s[i+len(" for flag "):]
			name, why, _ := strings.Cut(rest, ": ")
			return fmt.Sprintf("%s is not a valid value for %s (%s)", s[len("invalid value "):i], dashes(name), why)
		}
		if i := strings.Index(s, " for "); i >= 0 {
			rest := s[i+len(" for "):]
			name, _, _ := strings.Cut(rest, ": ")
			return fmt.Sprintf("%s is not a valid value for %s (use true or false)", s[len("invalid boolean value "):i], dashes(name))
		}
	}
	return s
}

func dashes(name string) string {
	return "--" + strings.TrimLeft(name, "-")
}

// maxConfig bounds the size of a config file.
const maxConfig = 1 << 20

// readConfig reads a file of `key = value` lines; "#" starts a comment line.
// A key that no command knows is a mistake; one that only other commands
// know is skipped, so one file serves every command.
func readConfig(path string) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the config file %s (%s); fix --config or SMSINBOX_CONFIG", path, pathErr(err))
	}
	defer f.Close()
	known := allFlagNames()
	out := map[string][]string{}
	sc := bufio.NewScanner(io.LimitReader(f, maxConfig))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, usagef("", "line %d of the config file %s is not of the form key = value", n, path)
		}
		key = strings.TrimLeft(strings.TrimSpace(key), "-")
		val = strings.TrimSpace(val)
		if len(val) >= 2 && (val[0] == '"' && val[len(val)-1] == '"') {
			if uq, err := strconv.Unquote(val); err == nil {
				val = uq
			}
		}
		if !known[key] {
			return nil, usagef("", "line %d of the config file %s sets %q, which no command knows", n, path, key)
		}
		out[key] = append(out[key], val)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the config file %s (%s)", path, err)
	}
	return out, nil
}

func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func allFlagNames() map[string]bool {
	out := map[string]bool{}
	for _, c := range commands {
		fs := newFlagSet(c.name)
		c.flags(fs)
		fs.VisitAll(func(f *flag.Flag) { out[f.Name] = true })
	}
	return out
}

func subNames(group string) []string {
	var out []string
	for name := range commands {
		if g, sub, ok := strings.Cut(name, " "); ok && g == group {
			out = append(out, sub)
		}
	}
	sort.Strings(out)
	return out
}

// commonDB defines the database flags.
func commonDB(fs *flag.FlagSet) (dsn *string, busy *time.Duration) {
	dsn = fs.String("db", "smsinbox.db", "the database: a file `path`, sqlite:PATH, or postgres://user:password@host/name")
	busy = fs.Duration("busy-timeout", 5*time.Second, "how long a write waits for another writer before giving up")
	return dsn, busy
}

// openStore opens the database named by the flags.
func (e *env) openStore(dsn string, busy time.Duration, autoAdd bool) (*store.Store, error) {
	return store.Open(e.ctx, dsn, store.Options{BusyTimeout: busy, AutoAddNumbers: autoAdd})
}

// noArgs refuses positional arguments.
func noArgs(cmd string, args []string) error {
	if len(args) > 0 {
		return usagef(cmd, "%s takes no arguments, but got %q", cmd, args[0])
	}
	return nil
}
