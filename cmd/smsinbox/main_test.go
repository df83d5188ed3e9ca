package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"smsinbox/store"
	"smsinbox/store/jsonl"
)

// result is what one run of the program did.
type result struct {
	stdout, stderr string
	code           int
}

// cli runs the program with args, the environment vars and standard input
// stdin, as main would.
func cli(t *testing.T, vars map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return vars[k] }
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return result{stdout: out.String(), stderr: errOut.String(), code: exitCode(err)}
}

// oneSentence fails the test unless stderr is one line naming the problem.
func oneSentence(t *testing.T, r result, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || lines[0] == "" {
		t.Errorf("stderr has %d lines, want one sentence:\n%s", len(lines), r.stderr)
	}
	if !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(want)) {
		t.Errorf("stderr %q does not say %q", r.stderr, want)
	}
}

func tempDB(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "inbox.db")
}

func openDB(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestHelp(t *testing.T) {
	r := cli(t, nil, "", "help")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("help: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, name := range order {
		if !strings.Contains(r.stdout, "\n  "+name+" ") {
			t.Errorf("help does not list %s", name)
		}
	}
	// Every command documents every flag with its environment variable,
	// both through help COMMAND and COMMAND --help.
	for name, c := range commands {
		fs := newFlagSet(name)
		c.flags(fs)
		addConfigFlag(fs)
		viaHelp := cli(t, nil, "", append([]string{"help"}, strings.Fields(name)...)...)
		viaFlag := cli(t, nil, "", append(strings.Fields(name), "--help")...)
		for _, r := range []result{viaHelp, viaFlag} {
			if r.code != 0 {
				t.Errorf("help for %s: exit %d, stderr %q", name, r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "usage: smsinbox "+name) {
				t.Errorf("help for %s has no usage line:\n%s", name, r.stdout)
			}
			fs.VisitAll(func(f *flag.Flag) {
				if !strings.Contains(r.stdout, "--"+f.Name) || !strings.Contains(r.stdout, "env "+envName(f.Name)) {
					t.Errorf("help for %s does not document --%s and %s", name, f.Name, envName(f.Name))
				}
			})
		}
	}
	r = cli(t, nil, "", "help", "serve")
	for _, env := range []string{"SMSINBOX_PUBLIC_URL", "SMSINBOX_TWILIO_AUTH_TOKEN", "SMSINBOX_VONAGE_SIGNATURE_SECRET", "SMSINBOX_VONAGE_SIGNATURE_METHOD",
		"SMSINBOX_PLIVO_AUTH_TOKEN", "SMSINBOX_TELNYX_PUBLIC_KEY", "SMSINBOX_SINCH_SECRET", "SMSINBOX_SMSGATE_SIGNING_KEY", "SMSINBOX_INGEST_TOKEN",
		"SMSINBOX_ADMIN_PASSWORD", "SMSINBOX_ADMIN_PASSWORD_HASH", "SMSINBOX_RATE_LIMIT", "SMSINBOX_MODEM", "SMSINBOX_DEMO"} {
		if !strings.Contains(r.stdout, env) {
			t.Errorf("help serve does not name %s", env)
		}
	}
	r = cli(t, nil, "", "help", "numbers")
	if r.code != 0 || !strings.Contains(r.stdout, "retire") {
		t.Errorf("help numbers: exit %d:\n%s", r.code, r.stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	db := tempDB(t)
	for _, tc := range []struct {
		args []string
		vars map[string]string
		want string
	}{
		{nil, nil, "no command"},
		{[]string{"frobnicate"}, nil, `unknown command "frobnicate"`},
		{[]string{"--db", "x"}, nil, "flags go after the command"},
		{[]string{"import", "--bogus"}, nil, "unknown flag --bogus"},
		{[]string{"export", "--db"}, nil, "--db needs a value"},
		{[]string{"demo", "--db", db, "--messages", "many"}, nil, "not a valid value for --messages"},
		{[]string{"demo", "--db", db, "--messages", "0"}, nil, "--messages must be at least 1"},
		{[]string{"export", "--db", db, "--all=maybe"}, nil, "not a valid value for --all"},
		{[]string{"numbers"}, nil, "numbers needs one of"},
		{[]string{"numbers", "remove", "+447400123456"}, nil, `unknown command "remove"`},
		{[]string{"numbers", "add", "--db", db}, nil, "needs E164"},
		{[]string{"numbers", "add", "--db", db, "+447400123456", "+447400123457"}, nil, "takes one E164"},
		{[]string{"numbers", "label", "--db", db, "+447400123456"}, nil, "needs a number and a label"},
		{[]string{"import", "--db", db, "a.jsonl", "b.jsonl"}, nil, "at most one FILE"},
		{[]string{"export", "--db", db, "extra"}, nil, "takes no arguments"},
		{[]string{"backup", "--db", db}, nil, "needs FILE"},
		{[]string{"modem", "--db", db, "--number", "+447400123456"}, nil, "needs --port"},
		{[]string{"serve", "--db", db, "--log-format", "xml"}, nil, "--log-format must be text or json"},
		{[]string{"serve", "--db", db, "--modem", "/dev/ttyUSB0"}, nil, "must be DEVICE=E164"},
		{[]string{"serve", "--db", db}, map[string]string{"SMSINBOX_RATE_LIMIT": "fast"}, "SMSINBOX_RATE_LIMIT"},
		{[]string{"help", "frobnicate"}, nil, `unknown command "frobnicate"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := cli(t, tc.vars, "", tc.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			oneSentence(t, r, tc.want)
			if !strings.Contains(r.stderr, "run smsinbox help") {
				t.Errorf("stderr %q does not point to smsinbox help", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a usage error created the database")
	}
}

// TestSettingsPrecedence checks flag > environment > config file > default
// with --db, which every database command has.
func TestSettingsPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	cfg := path("smsinbox.conf")
	conf := fmt.Sprintf("# settings\ndb = %s\n\naddr = 127.0.0.1:9999\nlabel = \"from the file\"\n", path("file.db"))
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		vars map[string]string
		args []string
		want string
	}{
		{map[string]string{"SMSINBOX_CONFIG": cfg}, nil, "file.db"},
		{nil, []string{"--config", cfg}, "file.db"},
		{map[string]string{"SMSINBOX_CONFIG": cfg, "SMSINBOX_DB": path("env.db")}, nil, "env.db"},
		{map[string]string{"SMSINBOX_CONFIG": cfg, "SMSINBOX_DB": path("env.db")}, []string{"--db", path("flag.db")}, "flag.db"},
		{map[string]string{"SMSINBOX_DB": path("env2.db")}, []string{"--db=" + path("flag2.db")}, "flag2.db"},
	} {
		args := append([]string{"numbers", "add", "+447400123456"}, tc.args...)
		r := cli(t, tc.vars, "", args...)
		if r.code != 0 {
			t.Fatalf("%v %v: exit %d: %s", tc.vars, args, r.code, r.stderr)
		}
		n, err := openDB(t, path(tc.want)).Number(context.Background(), "+447400123456")
		if err != nil {
			t.Errorf("%v %v: the number is not in %s: %v", tc.vars, args, tc.want, err)
		}
		// The config file's label applies when no flag or variable sets it.
		if got, want := n.Label, "from the file"; tc.vars["SMSINBOX_CONFIG"] != "" && got != want {
			t.Errorf("label %q, want %q from the config file", got, want)
		}
	}
	for _, name := range []string{"env2.db"} {
		if _, err := os.Stat(path(name)); err == nil {
			t.Errorf("%s was written although a flag named another database", name)
		}
	}

	// A flag overrides the variable for booleans too.
	r := cli(t, map[string]string{"SMSINBOX_ALL": "true"}, "", "export", "--db", path("flag.db"), "--all=false")
	if r.code != 0 {
		t.Errorf("export: exit %d: %s", r.code, r.stderr)
	}

	bad := path("bad.conf")
	os.WriteFile(bad, []byte("colour = blue\n"), 0o600)
	r = cli(t, nil, "", "numbers", "list", "--config", bad)
	if r.code != 2 {
		t.Errorf("unknown config key: exit %d, want 2", r.code)
	}
	oneSentence(t, r, `sets "colour", which no command knows`)

	r = cli(t, nil, "", "numbers", "list", "--config", path("missing.conf"))
	if r.code != 1 {
		t.Errorf("missing config file: exit %d, want 1", r.code)
	}
	oneSentence(t, r, "cannot read the config file")
}

func TestDatabaseErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	t.Run("missing folder", func(t *testing.T) {
		db := filepath.Join(dir, "nope", "inbox.db")
		r := cli(t, nil, "", "numbers", "add", "+447400123456", "--db", db)
		if r.code != 1 {
			t.Errorf("exit %d, want 1", r.code)
		}
		oneSentence(t, r, "does not exist")
		if _, err := os.Stat(filepath.Dir(db)); err == nil {
			t.Error("the folder was created")
		}
	})

	t.Run("read-only file", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("file permissions do not apply to root")
		}
		db := filepath.Join(t.TempDir(), "ro.db")
		openDB(t, db).Close()
		if err := os.Chmod(db, 0o444); err != nil {
			t.Fatal(err)
		}
		r := cli(t, nil, "", "numbers", "add", "+447400123456", "--db", db)
		if r.code != 1 {
			t.Errorf("exit %d, want 1", r.code)
		}
		oneSentence(t, r, "cannot write the database")
	})

	t.Run("corrupt file", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "junk.db")
		junk := bytes.Repeat([]byte("this is not a database\n"), 400)
		os.WriteFile(db, junk, 0o600)
		for _, args := range [][]string{
			{"numbers", "add", "+447400123456", "--db", db},
			{"export", "--db", db},
			{"serve", "--db", db, "--addr", "127.0.0.1:0"},
		} {
			r := cli(t, nil, "", args...)
			if r.code != 1 {
				t.Errorf("%v: exit %d, want 1", args, r.code)
			}
			oneSentence(t, r, "is not a valid smsinbox database")
		}
		if got, _ := os.ReadFile(db); !bytes.Equal(got, junk) {
			t.Error("the corrupt file was changed")
		}
	})

	t.Run("locked", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "locked.db")
		openDB(t, db).Close()
		other, err := sql.Open("sqlite", db)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		conn, err := other.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		r := cli(t, nil, "", "numbers", "add", "+447400123456", "--db", db, "--busy-timeout", "200ms")
		if r.code != 1 {
			t.Errorf("exit %d, want 1", r.code)
		}
		oneSentence(t, r, "locked by another program")
		r = cli(t, nil, "{\"to\":\"+447400123456\",\"from\":\"Acme\",\"body\":\"hi\"}\n", "import", "--db", db, "--busy-timeout", "200ms")
		if r.code != 1 || !strings.Contains(r.stderr, "locked by another program") {
			t.Errorf("import into a locked database: exit %d, stderr %q", r.code, r.stderr)
		}
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
		if _, err := openDB(t, db).Number(ctx, "+447400123456"); !store.IsNotFound(err) {
			t.Errorf("the number was stored despite the error: %v", err)
		}
	})

	t.Run("unparseable number", func(t *testing.T) {
		db := tempDB(t)
		for _, n := range []string{"+4412", "hello", "+999123456789"} {
			r := cli(t, nil, "", "numbers", "add", n, "--db", db)
			if r.code != 1 {
				t.Errorf("%s: exit %d, want 1", n, r.code)
			}
			oneSentence(t, r, "not a")
		}
		nums, err := openDB(t, db).Numbers(ctx, store.NumberFilter{Status: "all"})
		if err != nil || len(nums) != 0 {
			t.Errorf("numbers = %v, %v; want none", nums, err)
		}
	})

	t.Run("postgres", func(t *testing.T) {
		// Nothing listens on port 1: one sentence naming the database.
		r := cli(t, nil, "", "numbers", "list", "--db", "postgres://smsinbox@127.0.0.1:1/inbox?connect_timeout=5")
		if r.code != 1 {
			t.Errorf("exit %d, want 1", r.code)
		}
		oneSentence(t, r, "127.0.0.1")
	})

	t.Run("export of a missing database", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "none.db")
		r := cli(t, nil, "", "export", "--db", db)
		if r.code != 1 {
			t.Errorf("exit %d, want 1", r.code)
		}
		oneSentence(t, r, "there is no database")
		if _, err := os.Stat(db); err == nil {
			t.Error("export created a database")
		}
	})
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t)
	if r := cli(t, nil, "", "numbers", "add", "+447400123456", "--db", db); r.code != 0 {
		t.Fatal(r.stderr)
	}
	lines := []string{
		`{"to":"+447400123456","from":"WhatsApp","body":"Your WhatsApp code: 123-456","received_at":"2026-11-20T10:00:03Z","sent_at":"2026-11-20T10:00:01Z","source":"twilio","id":"SM0123"}`,
		`{"to":"+447400123456","from":"Google",`,
		`{"to":"+447400123456","from":"Google","body":"G-482913 is your Google verification code.","received_at":"2026-11-20T10:05:00Z"}`,
		``,
		`{"from":"Uber","body":"Your Uber code: 1234"}`,
		`{"to":"+4412","from":"Uber","body":"Your Uber code: 1234"}`,
		`{"to":"+447400123456","from":"Uber","body":"Your Uber code: 1234","received_at":"yesterday"}`,
		`{"to":"+447400123456","from":"+9009","body":"Your verification code is 778899","received_at":"2026-11-20T11:00:00.250+01:00"}`,
	}
	file := filepath.Join(t.TempDir(), "in.jsonl")
	os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o600)
	r := cli(t, nil, "", "import", "--db", db, file)
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (something was refused)", r.code)
	}
	if got, want := r.stdout, "stored 3, duplicates 0, refused 4\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	for _, want := range []string{"line 2:", "line 5:", `"to"`, "line 6:", "not a valid phone number", "line 7:", "RFC 3339"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
	if n := strings.Count(r.stderr, "\n"); n != 4 {
		t.Errorf("stderr has %d lines, want one per refused line:\n%s", n, r.stderr)
	}

	// The same messages again, from standard input: all duplicates.
	good := lines[0] + "\n" + lines[2] + "\n" + lines[7] + "\n"
	for _, args := range [][]string{{"import", "--db", db}, {"import", "--db", db, "-"}} {
		r = cli(t, nil, good, args...)
		if r.code != 0 || r.stdout != "stored 0, duplicates 3, refused 0\n" {
			t.Errorf("%v again: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}

	st := openDB(t, db)
	msgs, err := st.Messages(ctx, store.Filter{})
	if err != nil || len(msgs) != 3 {
		t.Fatalf("Messages = %d, %v; want 3", len(msgs), err)
	}
	var wa store.Message
	for _, m := range msgs {
		if m.SourceID == "SM0123" {
			wa = m
		}
	}
	if wa.Source != "twilio" || wa.From != "WhatsApp" || !wa.SentAt.Equal(time.Date(2026, 11, 20, 10, 0, 1, 0, time.UTC)) {
		t.Errorf("stored %+v", wa)
	}

	// A message for a number that was never added stays unpublished
	// until the number is added, unless --auto-add-numbers.
	other := `{"to":"+4915123456789","from":"Acme","body":"Your code is 5555"}` + "\n"
	r = cli(t, nil, other, "import", "--db", db)
	if r.code != 0 || r.stdout != "stored 1, duplicates 0, refused 0\n" || !strings.Contains(r.stderr, "not published yet") {
		t.Errorf("import for a new number: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	n, err := st.Number(ctx, "+4915123456789")
	if err != nil || n.Published() {
		t.Errorf("new number %+v, %v; want pending", n, err)
	}
	r = cli(t, nil, `{"to":"+33612345678","from":"Acme","body":"Votre code est 5555"}`, "import", "--db", db, "--auto-add-numbers")
	if r.code != 0 || strings.Contains(r.stderr, "not published") {
		t.Errorf("import --auto-add-numbers: exit %d, stderr %q", r.code, r.stderr)
	}
	if n, err := st.Number(ctx, "+33612345678"); err != nil || n.Status != store.StatusActive {
		t.Errorf("number %+v, %v; want active", n, err)
	}

	r = cli(t, nil, "", "import", "--db", db, filepath.Join(t.TempDir(), "missing.jsonl"))
	if r.code != 1 {
		t.Errorf("missing file: exit %d, want 1", r.code)
	}
	oneSentence(t, r, "no such file")
}

func TestImportLongLine(t *testing.T) {
	db := tempDB(t)
	long := `{"to":"+447400123456","from":"A","body":"` + strings.Repeat("x", maxLine) + `"}`
	in := long + "\n" + `{"to":"+447400123456","from":"A","body":"short"}` + "\n"
	r := cli(t, nil, in, "import", "--db", db, "--auto-add-numbers")
	if r.code != 1 || r.stdout != "stored 1, duplicates 0, refused 1\n" || !strings.Contains(r.stderr, "line 1: the line is longer") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func exportRecords(t *testing.T, args ...string) []jsonl.Record {
	t.Helper()
	r := cli(t, nil, "", append([]string{"export"}, args...)...)
	if r.code != 0 {
		t.Fatalf("export: exit %d: %s", r.code, r.stderr)
	}
	var out []jsonl.Record
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec jsonl.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		out = append(out, rec)
	}
	return out
}

func TestExportRoundTrip(t *testing.T) {
	a, b := tempDB(t), tempDB(t)
	if r := cli(t, nil, "", "demo", "--db", a, "--messages", "300", "--numbers", "9", "--senders", "40", "--seed", "5"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := cli(t, nil, "", "export", "--db", a)
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	// The raw lines carry the documented field names.
	first := strings.SplitN(r.stdout, "\n", 2)[0]
	for _, f := range []string{"message_id", "to", "from", "body", "received_at", "source", "id", "number", "country", "sender_key", "stored_at", "hidden", "published", "parts", "incomplete"} {
		if !strings.Contains(first, `"`+f+`":`) {
			t.Errorf("export line lacks %q: %s", f, first)
		}
	}
	recs := exportRecords(t, "--db", a)
	if len(recs) != 300 {
		t.Fatalf("exported %d messages, want 300", len(recs))
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].MessageID <= recs[i-1].MessageID {
			t.Fatalf("export is not oldest first at %d", i)
		}
	}
	withCode := 0
	for _, rec := range recs {
		if rec.Code != "" {
			withCode++
		}
	}
	if withCode < len(recs)/2 {
		t.Errorf("only %d of %d exported messages have a code", withCode, len(recs))
	}

	imp := cli(t, nil, r.stdout, "import", "--db", b, "--auto-add-numbers")
	if imp.code != 0 || imp.stdout != "stored 300, duplicates 0, refused 0\n" {
		t.Fatalf("import of the export: exit %d, stdout %q, stderr %q", imp.code, imp.stdout, imp.stderr)
	}
	again := exportRecords(t, "--db", b)
	if len(again) != len(recs) {
		t.Fatalf("round trip has %d messages, want %d", len(again), len(recs))
	}
	for i := range recs {
		x, y := recs[i], again[i]
		x.StoredAt, y.StoredAt = time.Time{}, time.Time{}
		if fmt.Sprint(x) != fmt.Sprint(y) {
			t.Fatalf("message %d changed in the round trip:\n%+v\n%+v", i, x, y)
		}
	}
}

func TestExportAll(t *testing.T) {
	db := tempDB(t)
	in := `{"to":"+447400123456","from":"A","body":"one"}` + "\n" + `{"to":"+4915123456789","from":"A","body":"two"}` + "\n"
	cli(t, nil, "", "numbers", "add", "+447400123456", "--db", db)
	if r := cli(t, nil, in, "import", "--db", db); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if got := exportRecords(t, "--db", db); len(got) != 1 || got[0].Body != "one" || !got[0].Published {
		t.Errorf("export = %+v, want the published message only", got)
	}
	got := exportRecords(t, "--db", db, "--all")
	if len(got) != 2 || got[1].Body != "two" || got[1].Published {
		t.Errorf("export --all = %+v, want both, the second unpublished", got)
	}
}

func TestNumbersCommands(t *testing.T) {
	db := tempDB(t)
	steps := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"numbers", "add", "+44 7400 123456", "--label", "UK one"}, 0, "+447400123456 (GB) is active"},
		{[]string{"numbers", "add", "--label", "Deutschland", "+4915123456789"}, 0, "+4915123456789 (DE) is active"},
		{[]string{"numbers", "retire", "+4915123456789"}, 0, "+4915123456789 (DE) is retired"},
		{[]string{"numbers", "label", "+447400123456", "UK main"}, 0, "labelled"},
		{[]string{"numbers", "list"}, 0, "UK main"},
		{[]string{"numbers", "list", "--status", "retired"}, 0, "+4915123456789"},
		{[]string{"numbers", "activate", "+4915123456789"}, 0, "is active"},
		{[]string{"numbers", "retire", "+33612345678"}, 1, ""},
	}
	for _, s := range steps {
		r := cli(t, map[string]string{"SMSINBOX_DB": db}, "", s.args...)
		if r.code != s.code || !strings.Contains(r.stdout, s.out) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", s.args, r.code, r.stdout, r.stderr, s.code, s.out)
		}
	}
	r := cli(t, map[string]string{"SMSINBOX_DB": db}, "", "numbers", "list", "--status", "retired")
	if strings.Contains(r.stdout, "+4915123456789") {
		t.Errorf("the activated number is still listed as retired:\n%s", r.stdout)
	}
	r = cli(t, map[string]string{"SMSINBOX_DB": db}, "", "numbers", "retire", "+33612345678")
	oneSentence(t, r, "is not a published number")
}

func TestDemoCommand(t *testing.T) {
	db := tempDB(t)
	args := []string{"demo", "--db", db, "--messages", "120", "--numbers", "10", "--senders", "25", "--days", "7", "--seed", "9"}
	r := cli(t, nil, "", args...)
	if r.code != 0 || !strings.Contains(r.stdout, "stored 120 messages from 25 senders to 10 numbers") {
		t.Fatalf("demo: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = cli(t, nil, "", args...)
	if r.code != 0 || !strings.Contains(r.stdout, "stored 0 messages") || !strings.Contains(r.stdout, "duplicates 120") {
		t.Errorf("demo again: exit %d, stdout %q", r.code, r.stdout)
	}
	st := openDB(t, db)
	if v, _ := st.Meta(context.Background(), "demo"); v != "1" {
		t.Errorf("meta demo = %q, want 1", v)
	}
	if n, _ := st.SenderCount(context.Background()); n != 25 {
		t.Errorf("SenderCount = %d, want 25", n)
	}
}

func TestPDUDecode(t *testing.T) {
	// SMS-DELIVER with its SMSC address, from the developershome.com SMS
	// tutorial: "hellohello" from 27838890001 via +27381000015.
	const hello = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"
	r := cli(t, nil, "", "pdu", "decode", hello)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("output %q: %v", r.stdout, err)
	}
	if got["text"] != "hellohello" || got["smsc"] != "+27381000015" {
		t.Errorf("decoded %v", got)
	}

	// Standard input, one a line, with a bad line: exit 1.
	r = cli(t, nil, hello+"\n\nnot hex\n"+hello+"\n", "pdu", "decode")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || len(lines) != 3 {
		t.Fatalf("exit %d, %d lines, want 1 and 3:\n%s", r.code, len(lines), r.stdout)
	}
	if !strings.Contains(lines[1], `"error"`) || !strings.Contains(lines[2], "hellohello") {
		t.Errorf("lines:\n%s", r.stdout)
	}
	oneSentence(t, r, "1 of 3 PDUs could not be decoded")

	// Without the SMSC address.
	r = cli(t, nil, "", "pdu", "decode", "--no-smsc", hello[16:])
	if r.code != 0 || !strings.Contains(r.stdout, "hellohello") {
		t.Errorf("--no-smsc: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestBackup(t *testing.T) {
	db := tempDB(t)
	cli(t, nil, "", "demo", "--db", db, "--messages", "50")
	dst := filepath.Join(t.TempDir(), "copy.db")
	r := cli(t, nil, "", "backup", "--db", db, dst)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := exportRecords(t, "--db", dst); len(got) != 50 {
		t.Errorf("the backup holds %d messages, want 50", len(got))
	}
}

func TestMigrateVersion(t *testing.T) {
	from, to := tempDB(t), tempDB(t)
	cli(t, nil, "", "demo", "--db", from, "--messages", "50")
	r := cli(t, nil, "", "migrate", "--from", from, "--to", to)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "copied ") {
		t.Fatalf("migrate: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if got := exportRecords(t, "--db", to, "--all"); len(got) != 50 {
		t.Errorf("the copy holds %d messages, want 50", len(got))
	}
	r = cli(t, nil, "", "migrate", "--from", filepath.Join(t.TempDir(), "none.db"), "--to", to)
	if r.code != 1 {
		t.Errorf("migrate from a missing database: exit %d, want 1", r.code)
	}
	oneSentence(t, r, "there is no database")
	r = cli(t, nil, "", "migrate", "--from", from)
	if r.code != 2 {
		t.Errorf("migrate without --to: exit %d, want 2", r.code)
	}
	oneSentence(t, r, "--to")
	r = cli(t, nil, "", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "smsinbox ") {
		t.Errorf("version: exit %d, stdout %q", r.code, r.stdout)
	}
}

// syncBuffer is a buffer safe for the server's log and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// listening finds the bound address in the text or JSON log.
var listening = regexp.MustCompile(`msg=listening addr=(\S+)|"msg":"listening","addr":"([^"]+)"`)

// startServe runs serve until the test ends and returns its base URL.
func startServe(t *testing.T, db string, args ...string) (base string, stop func() error, logs *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	done := make(chan error, 1)
	args = append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, args...)
	go func() {
		done <- run(ctx, args, func(string) string { return "" }, strings.NewReader(""), io.Discard, logs)
	}()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop within 30s of its context ending")
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			return "http://" + m[1] + m[2], stop, logs
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not report its address:\n%s", logs.String())
	return "", nil, nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestServe(t *testing.T) {
	db := tempDB(t)
	base, stop, logs := startServe(t, db)
	// The demo's first number is the United Kingdom's example number.
	if code, body := get(t, base+"/"); code != http.StatusOK || !strings.Contains(body, "/number/447400123456") {
		t.Errorf("GET /: %d, body without the demo numbers:\n%.500s", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz: %d", code)
	}
	code, body := get(t, base+"/api/v1/messages?limit=5")
	var list struct {
		Items []map[string]any `json:"items"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil || len(list.Items) != 5 {
		t.Errorf("GET /api/v1/messages: %d %.300s", code, body)
	}
	if code, _ := get(t, base+"/ingest/twilio"); code != http.StatusNotFound {
		t.Errorf("an unconfigured webhook answered %d, want 404", code)
	}
	if err := stop(); err != nil {
		t.Errorf("serve returned %v on a clean stop", err)
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Error("the server still answers after stopping")
	}
	if !strings.Contains(logs.String(), "seeded the demo data set") {
		t.Errorf("no seeding logged:\n%s", logs.String())
	}
	st := openDB(t, db)
	if v, _ := st.Meta(context.Background(), "demo"); v != "1" {
		t.Errorf("meta demo = %q, want 1", v)
	}
	if n, _ := st.SenderCount(context.Background()); n != 60 {
		t.Errorf("SenderCount = %d, want the demo's 60", n)
	}
}

func TestServeWithoutDemo(t *testing.T) {
	db := tempDB(t)
	base, stop, _ := startServe(t, db, "--demo=false", "--log-format", "json", "--ingest-token", "s3cret", "--rate-limit", "0")
	_ = base
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if empty, err := openDB(t, db).Empty(context.Background()); err != nil || !empty {
		t.Errorf("Empty = %v, %v; want an empty database", empty, err)
	}
}

func TestServePortInUse(t *testing.T) {
	db := tempDB(t)
	base, _, _ := startServe(t, db, "--demo=false")
	addr := strings.TrimPrefix(base, "http://")
	r := cli(t, nil, "", "serve", "--db", tempDB(t), "--demo=false", "--addr", addr)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	oneSentence(t, r, "cannot listen on "+addr)
}

func TestModemErrors(t *testing.T) {
	db := tempDB(t)
	dev := filepath.Join(t.TempDir(), "ttyUSB9")
	for _, args := range [][]string{
		{"modem", "--db", db, "--port", dev, "--number", "+447400123456"},
		{"modem", "--db", db, "--port", dev, "--number", "12"},
		{"serve", "--db", db, "--addr", "127.0.0.1:0", "--modem", dev + "=+447400123456"},
	} {
		r := cli(t, nil, "", args...)
		if r.code != 1 {
			t.Errorf("%v: exit %d, want 1 (stderr %q)", args, r.code, r.stderr)
		}
		oneSentence(t, r, dev)
	}
	// From the environment, comma-separated.
	r := cli(t, map[string]string{"SMSINBOX_MODEM": dev + "=+447400123456, " + dev + "2=+4915123456789"}, "", "serve", "--db", db, "--addr", "127.0.0.1:0")
	if r.code != 1 {
		t.Errorf("SMSINBOX_MODEM: exit %d, want 1 (stderr %q)", r.code, r.stderr)
	}
	oneSentence(t, r, dev)
	if _, err := os.Stat(db); err == nil {
		t.Error("a modem that could not start created the database")
	}
}
