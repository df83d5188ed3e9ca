package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"smsinbox/store"
	"smsinbox/store/jsonl"
)

func importCommand() *command {
	return &command{
		name:    "import",
		args:    "[FILE]",
		summary: "store messages given as JSON lines",
		help: `Reads one JSON object a line from FILE, or from standard input when FILE is
absent or "-": {"to", "from", "body"} are required; "received_at", "sent_at"
(RFC 3339), "source" (default "import") and "id" (the source's message id)
are optional, so the output of smsinbox export imports as it is. A line that
cannot be stored is reported on standard error with its line number and
skipped; a message stored before (same source and id, or without an id the
same number, sender, text and time) counts as a duplicate. The last line on
standard output is the summary "stored N, duplicates N, refused N"; the exit
status is 1 when anything was refused.

A message for a number that was never added is kept unpublished until the
number is added with smsinbox numbers add (then its history shows), unless
--auto-add-numbers publishes such numbers at once.`,
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			dsn, busy := commonDB(fs)
			autoAdd := fs.Bool("auto-add-numbers", false, "publish a number the first time a message arrives for it, instead of keeping it pending")
			batch := fs.Int("batch", 1000, "messages stored per transaction")
			return func(e *env, args []string) error {
				if len(args) > 1 {
					return usagef("import", "import takes at most one FILE, but got %d", len(args))
				}
				if *batch < 1 || *batch > 100000 {
					return usagef("import", "--batch must be between 1 and 100000")
				}
				in := e.stdin
				name := "standard input"
				if len(args) == 1 && args[0] != "-" {
					f, err := os.Open(args[0])
					if err != nil {
						return fmt.Errorf("cannot read %s (%s); check the file name", args[0], pathErr(err))
					}
					defer f.Close()
					in, name = f, args[0]
				}
				st, err := e.openStore(*dsn, *busy, *autoAdd)
				if err != nil {
					return err
				}
				defer st.Close()
				return e.importLines(st, in, name, *batch)
			}
		},
	}
}

// maxLine bounds one import line: a body of MaxBodyBytes, JSON-escaped,
// with room for the other fields.
const maxLine = 8*store.MaxBodyBytes + 4096

func (e *env) importLines(st *store.Store, in io.Reader, name string, batchSize int) error {
	var stored, dups, refused, pending int
	r := bufio.NewReaderSize(in, 64<<10)
	var batch []store.Inbound
	var lines []int
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := st.InsertBatch(e.ctx, batch)
		if err != nil {
			return err
		}
		for i, r := range res {
			switch {
			case r.Err != nil:
				refused++
				fmt.Fprintf(e.stderr, "%s line %d: %s\n", name, lines[i], store.MessageOf(r.Err))
			case r.Duplicate:
				dups++
			default:
				stored++
				if !r.Published {
					pending++
				}
			}
		}
		batch, lines = batch[:0], lines[:0]
		return nil
	}
	for n := 1; ; n++ {
		line, tooLong, err := readLine(r, maxLine)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("cannot read %s after line %d (%s)", name, n-1, err)
		}
		last := errors.Is(err, io.EOF)
		line = bytes.TrimSpace(line)
		switch {
		case tooLong:
			refused++
			fmt.Fprintf(e.stderr, "%s line %d: the line is longer than %d bytes\n", name, n, maxLine)
		case len(line) == 0:
		default:
			msg, perr := jsonl.ParseLine(line)
			if perr != nil {
				refused++
				fmt.Fprintf(e.stderr, "%s line %d: %s\n", name, n, perr)
				break
			}
			batch = append(batch, msg)
			lines = append(lines, n)
			if len(batch) >= batchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if last {
			break
		}
		if err := e.ctx.Err(); err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if pending > 0 {
		fmt.Fprintf(e.stderr, "%d of the stored messages are for numbers that are not published yet; add the numbers with smsinbox numbers add E164 to show them\n", pending)
	}
	fmt.Fprintf(e.stdout, "stored %d, duplicates %d, refused %d\n", stored, dups, refused)
	if refused > 0 {
		return errReported
	}
	return nil
}

// readLine reads one line without its end, keeping at most limit bytes; a
// longer line is read to its end and reported as too long. At the end of
// the input it returns io.EOF with the last line.
func readLine(r *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > limit+2 {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		switch {
		case err == nil:
			return line, tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return line, tooLong, err
		}
	}
}

func exportCommand() *command {
	return &command{
		name:    "export",
		summary: "write every published message as JSON lines, oldest first",
		help: `Writes one JSON object a line on standard output, in storing order: the
import fields (to, from, body, received_at, sent_at, source, id) plus
message_id, number, country, sender_key, code, stored_at, hidden, published,
parts and incomplete. Binary messages carry their content as hex in
"binary". --all adds hidden messages and those of numbers not published.`,
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			dsn, busy := commonDB(fs)
			all := fs.Bool("all", false, "include hidden messages and those of unpublished numbers")
			return func(e *env, args []string) error {
				if err := noArgs("export", args); err != nil {
					return err
				}
				st, err := e.openExisting(*dsn, *busy)
				if err != nil {
					return err
				}
				defer st.Close()
				w := bufio.NewWriterSize(e.stdout, 64<<10)
				enc := json.NewEncoder(w)
				enc.SetEscapeHTML(false)
				err = st.Export(e.ctx, *all, func(m store.Message) error { return enc.Encode(jsonl.RecordOf(m)) })
				if ferr := w.Flush(); err == nil {
					err = ferr
				}
				return err
			}
		},
	}
}

// openExisting opens a database that must exist already.
func (e *env) openExisting(dsn string, busy time.Duration) (*store.Store, error) {
	if err := existingDB(dsn); err != nil {
		return nil, err
	}
	return e.openStore(dsn, busy, false)
}

// existingDB refuses to read a database that does not exist, rather than
// create an empty one and report nothing.
func existingDB(dsn string) error {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
	if strings.Contains(dsn, "://") && !strings.HasPrefix(dsn, "sqlite:") {
		return nil // store.Open explains what it does not support
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("there is no database at %s; give --db the path of an existing database", path)
	}
	return nil
}

func numbersAdd() *command {
	return &command{
		name:    "numbers add",
		args:    "E164",
		summary: "publish a number (a pending one shows its messages received so far)",
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			dsn, busy := commonDB(fs)
			label := fs.String("label", "", "a label shown with the number")
			return func(e *env, args []string) error {
				num, err := oneArg("numbers add", "E164", args)
				if err != nil {
					return err
				}
				st, err := e.openStore(*dsn, *busy, false)
				if err != nil {
					return err
				}
				defer st.Close()
				n, err := st.AddNumber(e.ctx, "cli", num, *label)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s (%s) is %s\n", n.E164, n.Country, n.Status)
				return nil
			}
		},
	}
}

func numbersList() *command {
	return &command{
		name:    "numbers list",
		summary: "list the numbers",
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			dsn, busy := commonDB(fs)
			status := fs.String("status", "all", "which numbers: all, active, retired or pending")
			country := fs.String("country", "", "only numbers of this country (ISO 3166-1 alpha-2)")
			return func(e *env, args []string) error {
				if err := noArgs("numbers list", args); err != nil {
					return err
				}
				switch *status {
				case "all", store.StatusActive, store.StatusRetired, store.StatusPending:
				default:
					return usagef("numbers list", "--status must be all, active, retired or pending, not %q", *status)
				}
				st, err := e.openExisting(*dsn, *busy)
				if err != nil {
					return err
				}
				defer st.Close()
				nums, err := st.Numbers(e.ctx, store.NumberFilter{Status: *status, Country: *country})
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(e.stdout, 0, 8, 2, ' ', 0)
				fmt.Fprintln(w, "NUMBER\tCOUNTRY\tSTATUS\tMESSAGES\tLAST MESSAGE\tLABEL")
				for _, n := range nums {
					last := "-"
					if !n.LastMessageAt.IsZero() {
						last = n.LastMessageAt.UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", n.E164, n.Country, n.Status, n.Messages, last, n.Label)
				}
				return w.Flush()
			}
		},
	}
}

func numberStatus(name, summary string, do func(st *store.Store, e *env, num string) error) *command {
	return &command{
		name:    "numbers " + name,
		args:    "E164",
		summary: summary,
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			dsn, busy := commonDB(fs)
			return func(e *env, args []string) error {
				num, err := oneArg("numbers "+name, "E164", args)
				if err != nil {
					return err
				}
				st, err := e.openExisting(*dsn, *busy)
				if err != nil {
					return err
				}
				defer st.Close()
				if err := do(st, e, num); err != nil {
					return err
				}
				n, err := st.Number(e.ctx, num)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s (%s) is %s\n", n.E164, n.Country, n.Status)
				return nil
			}
		},
	}
}

func numbersRetire() *command {
	return numberStatus("retire", "take a number out of the list: its page answers 410, its messages stay", func(st *store.Store, e *env, num string) error {
		return st.RetireNumber(e.ctx, "cli", num)
	})
}

func numbersActivate() *command {
	return numberStatus("activate", "bring a retired number back", func(st *store.Store, e *env, num string) error {
		return st.ActivateNumber(e.ctx, "cli", num)
	})
}

func numbersLabel() *command {
	return &command{
		name:    "numbers label",
		args:    "E164 TEXT",
		summary: "set a number's label",
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			dsn, busy := commonDB(fs)
			return func(e *env, args []string) error {
				if len(args) != 2 {
					return usagef("numbers label", "numbers label needs a number and a label")
				}
				st, err := e.openExisting(*dsn, *busy)
				if err != nil {
					return err
				}
				defer st.Close()
				if err := st.LabelNumber(e.ctx, "cli", args[0], args[1]); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s is labelled %q\n", args[0], args[1])
				return nil
			}
		},
	}
}

func oneArg(cmd, what string, args []string) (string, error) {
	switch len(args) {
	case 0:
		return "", usagef(cmd, "%s needs %s", cmd, what)
	case 1:
		return args[0], nil
	default:
		return "", usagef(cmd, "%s takes one %s, but got %d arguments", cmd, what, len(args))
	}
}

func backupCommand() *command {
	return &command{
		name:    "backup",
		args:    "FILE",
		summary: "write a consistent copy of a live database to FILE",
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			dsn, busy := commonDB(fs)
			return func(e *env, args []string) error {
				dst, err := oneArg("backup", "FILE", args)
				if err != nil {
					return err
				}
				st, err := e.openExisting(*dsn, *busy)
				if err != nil {
					return err
				}
				defer st.Close()
				if err := st.Backup(e.ctx, dst); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "wrote %s\n", dst)
				return nil
			}
		},
	}
}

func migrateCommand() *command {
	return &command{
		name:    "migrate",
		summary: "copy a database into another (SQLite into PostgreSQL)",
		help: `Copies every number, sender, message, pending part, audit entry and
setting of --from into --to, keeping ids. Stop every writer to --from
first. An interrupted copy resumes where it stopped when run again.`,
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			from := fs.String("from", "", "the database to copy (`DSN`: a path, sqlite:PATH or postgres://...)")
			to := fs.String("to", "", "the database to copy into (`DSN`)")
			busy := fs.Duration("busy-timeout", 5*time.Second, "how long a write waits for another writer before giving up")
			return func(e *env, args []string) error {
				if err := noArgs("migrate", args); err != nil {
					return err
				}
				if *from == "" || *to == "" {
					return usagef("migrate", "migrate needs --from and --to, the databases to copy from and into")
				}
				src, err := e.openExisting(*from, *busy)
				if err != nil {
					return err
				}
				defer src.Close()
				dst, err := e.openStore(*to, *busy, false)
				if err != nil {
					return err
				}
				defer dst.Close()
				var copied int64
				if err := store.Migrate(e.ctx, src, dst, func(done, total int64) { copied = done }); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "copied %d rows\n", copied)
				return nil
			}
		},
	}
}
