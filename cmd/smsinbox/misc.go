package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"smsinbox/ingest/pdu"
	"smsinbox/store"
	"smsinbox/store/demo"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print the version",
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			return func(e *env, args []string) error {
				if err := noArgs("version", args); err != nil {
					return err
				}
				v := "smsinbox " + version
				if info, ok := debug.ReadBuildInfo(); ok {
					for _, s := range info.Settings {
						if s.Key == "vcs.revision" && len(s.Value) >= 12 {
							v += " (" + s.Value[:12] + ")"
						}
					}
				}
				fmt.Fprintf(e.stdout, "%s %s %s/%s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
				return nil
			}
		},
	}
}

func demoCommand() *command {
	return &command{
		name:    "demo",
		summary: "write the deterministic synthetic data set (the one serve seeds)",
		help: `Adds the demo numbers (the last of them retired) and stores messages from
well-known and invented senders over the last --days days, with traffic
skewed as real traffic is: the busiest sender holds about a tenth of all
messages and most senders few. The same flags give the same data set, and
running it again over the same database stores nothing new. Into a
database without messages the data set is written as one transaction:
other writers are held off until it ends, and an interrupted run
leaves nothing.`,
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			dsn, busy := commonDB(fs)
			msgs := fs.Int("messages", demo.DefaultMessages, "how many messages")
			nums := fs.Int("numbers", demo.DefaultNumbers, "how many receiving numbers")
			senders := fs.Int("senders", demo.DefaultSenders, "how many senders")
			days := fs.Int("days", demo.DefaultDays, "how many days the messages span, up to now")
			seed := fs.Int64("seed", 1, "the random seed")
			return func(e *env, args []string) error {
				if err := noArgs("demo", args); err != nil {
					return err
				}
				for _, f := range []struct {
					name string
					v    int
				}{{"messages", *msgs}, {"numbers", *nums}, {"senders", *senders}, {"days", *days}} {
					if f.v < 1 {
						return usagef("demo", "--%s must be at least 1", f.name)
					}
				}
				// A big writer cache keeps the indexes in memory while
				// millions of messages go in.
				st, err := store.Open(e.ctx, *dsn, store.Options{BusyTimeout: *busy, WriteCacheMB: 256})
				if err != nil {
					return err
				}
				defer st.Close()
				sum, err := demo.Generate(e.ctx, st, demo.Options{Messages: *msgs, Numbers: *nums, Senders: *senders, Days: *days, Seed: *seed})
				if err != nil {
					return err
				}
				if err := st.SetMeta(e.ctx, "demo", "1"); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "stored %d messages from %d senders to %d numbers in %.1fs (duplicates %d, refused %d)\n",
					sum.Messages, sum.Senders, sum.Numbers, sum.Elapsed.Seconds(), sum.Duplicates, sum.Refused)
				return nil
			}
		},
	}
}

func pduDecode() *command {
	return &command{
		name:    "pdu decode",
		args:    "[HEX]...",
		summary: "decode SMS-DELIVER PDUs given as arguments, or one a line on standard input",
		help: `Writes one JSON object a line: sender, sender_type, smsc, sent_at, text,
dcs, pid and concat (ports and binary when present); a PDU that cannot be
decoded gives {"error": "..."}, and one of another type (such as a status
report) {"type": "status_report", "error": "..."}. The exit status is 1 when
any input failed. Input may carry the SMSC address in front, as modems give
it; --no-smsc says it does not.`,
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			noSMSC := fs.Bool("no-smsc", false, "the PDUs start with the first octet, without an SMSC address")
			return func(e *env, args []string) error {
				out := bufio.NewWriter(e.stdout)
				enc := json.NewEncoder(out)
				enc.SetEscapeHTML(false)
				total, failed := 0, 0
				decode := func(s string) error {
					total++
					rep := pdu.Inspect(s, !*noSMSC)
					if rep.Failed() {
						failed++
					}
					return enc.Encode(rep)
				}
				if len(args) > 0 {
					for _, a := range args {
						if err := decode(a); err != nil {
							return err
						}
					}
				} else {
					r := bufio.NewReaderSize(e.stdin, 64<<10)
					for {
						line, tooLong, err := readLine(r, 1<<16)
						s := strings.TrimSpace(string(line))
						switch {
						case tooLong:
							total++
							failed++
							fmt.Fprintln(out, `{"error":"the line is longer than any PDU"}`)
						case s != "":
							if derr := decode(s); derr != nil {
								return derr
							}
						}
						if err != nil {
							break
						}
					}
				}
				if err := out.Flush(); err != nil {
					return err
				}
				if failed > 0 {
					fmt.Fprintf(e.stderr, "smsinbox: %d of %d PDUs could not be decoded\n", failed, total)
					return errReported
				}
				return nil
			}
		},
	}
}
