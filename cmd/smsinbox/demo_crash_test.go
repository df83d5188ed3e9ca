package main

import (
	"context"
	"database/sql"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smsinbox/store"
)

// sqliteFacts reads what a killed load may have left in a database file.
func sqliteFacts(t *testing.T, path string) (numbers, messages int, schema, integrity string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT count(*) FROM numbers`).Scan(&numbers); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM messages`).Scan(&messages); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	rows.Close()
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil {
		t.Fatal(err)
	}
	return numbers, messages, b.String(), integrity
}

// TestKillDuringDemo kills `smsinbox demo` while it loads messages into an
// empty database (one transaction, its reading indexes dropped until the
// end): the file is left with none of the messages, every index in place,
// and the next run completes.
func TestKillDuringDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	const numbers = 300
	cmd := exec.Command(binary(t), "demo", "--db", db, "--messages", "1000000", "--numbers", "300", "--senders", "5000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// The numbers are added, each in its own transaction, before the
	// messages' load begins.
	deadline := time.Now().Add(60 * time.Second)
	for {
		n := countNumbers(db)
		if n == numbers {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the demo numbers were not added within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(5 * time.Second) // well into the load: a batch-by-batch load would have committed some
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("the demo of a million messages finished before it was killed")
	}

	// A fresh database has the schema the killed one must still have.
	fresh := filepath.Join(dir, "fresh.db")
	st, err := store.Open(context.Background(), fresh, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, _, wantSchema, _ := sqliteFacts(t, fresh)

	n, msgs, schema, integrity := sqliteFacts(t, db)
	if n != numbers || msgs != 0 || integrity != "ok" {
		t.Errorf("after the kill: %d numbers, %d messages, integrity %q; want %d numbers, no messages, ok", n, msgs, integrity, numbers)
	}
	if schema != wantSchema {
		t.Errorf("after the kill the schema is\n%s\nwant\n%s", schema, wantSchema)
	}

	out, err := exec.Command(binary(t), "demo", "--db", db, "--messages", "3000", "--numbers", "300", "--senders", "5000").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "stored 3000 messages") {
		t.Fatalf("demo after the kill: %v\n%s", err, out)
	}
	if _, msgs, _, integrity := sqliteFacts(t, db); msgs != 3000 || integrity != "ok" {
		t.Errorf("after the second run: %d messages, integrity %q; want 3000, ok", msgs, integrity)
	}
}

// countNumbers counts the numbers of a database that may not exist yet;
// -1 when it cannot be read.
func countNumbers(path string) int {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return -1
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM numbers`).Scan(&n); err != nil {
		return -1
	}
	return n
}
