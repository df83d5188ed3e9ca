package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smsinbox/store"
)

// loadBatches are messages as a loader gets them: to two added numbers and
// one that was never added (kept pending), some sent twice, one refused,
// some without a network time.
func loadBatches() [][]store.Inbound {
	var out [][]store.Inbound
	bodies := []string{"Your code is %d", "%d is your verification code", "Order %d has shipped 📦", "Код подтверждения: %d"}
	to := []string{"+447400123456", "+4915112345678", "+14155550100"}
	for b := 0; b < 4; b++ {
		var batch []store.Inbound
		for i := 0; i < 60; i++ {
			n := b*60 + i
			in := store.Inbound{
				To:         to[n%len(to)],
				From:       []string{"WhatsApp", "+9009", "9009", "G-Pay", "004917612345678", "Bank"}[n%6],
				Body:       fmt.Sprintf(bodies[n%len(bodies)], 100000+n*7919%900000),
				ReceivedAt: t0.Add(time.Duration(n) * time.Minute),
				Source:     "load",
				SourceID:   fmt.Sprintf("m%d", n%200), // the last 40 were sent before
			}
			if n%5 != 0 {
				in.SentAt = in.ReceivedAt.Add(-time.Duration(n%9) * time.Second)
			}
			if n == 7 {
				in.From = " "
			}
			batch = append(batch, in)
		}
		out = append(out, batch)
	}
	return out
}

func openSQLite(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "load.db")
	c := &clock{t: t0.Add(24 * time.Hour)}
	st, err := store.Open(context.Background(), path, store.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mustAdd(t, st, "+447400123456")
	mustAdd(t, st, "+4915112345678")
	return st, path
}

// dumpTables gives every row of the tables a load writes, and the schema.
func dumpTables(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	for _, q := range []string{
		`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY name`,
		`SELECT * FROM numbers ORDER BY id`,
		`SELECT * FROM senders ORDER BY id`,
		`SELECT * FROM messages ORDER BY id`,
		`SELECT * FROM templates ORDER BY id`,
		`SELECT * FROM sender_numbers ORDER BY sender_id, number_id`,
		`SELECT * FROM sender_delays ORDER BY sender_id, bucket`,
		`SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'code' ORDER BY rowid`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		var b strings.Builder
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
		out[q] = b.String()
	}
	return out
}

// A load into an empty database, one transaction with its indexes built at
// the end, stores exactly what batch by batch inserts store.
func TestLoadMatchesInsertBatch(t *testing.T) {
	ctx := context.Background()
	bulk, bulkPath := openSQLite(t)
	plain, plainPath := openSQLite(t)

	load, err := bulk.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer load.Close()
	var stored, dups, refused int
	for i, batch := range loadBatches() {
		want, err := plain.InsertBatch(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		got, err := load.Add(ctx, bulk.Prepare(batch))
		if err != nil {
			t.Fatal(err)
		}
		for j := range want {
			if got[j].ID != want[j].ID || got[j].Duplicate != want[j].Duplicate || got[j].Published != want[j].Published || (got[j].Err == nil) != (want[j].Err == nil) {
				t.Errorf("batch %d message %d: load gave %+v, InsertBatch %+v", i, j, got[j], want[j])
			}
			switch {
			case got[j].Err != nil:
				refused++
			case got[j].Duplicate:
				dups++
			default:
				stored++
			}
		}
	}
	if stored != 200 || dups != 39 || refused != 1 { // m7 is refused once, then stored
		t.Errorf("stored %d, duplicates %d, refused %d; want 200, 39, 1", stored, dups, refused)
	}
	// Until the load commits, readers see none of it.
	if msgs, err := bulk.Messages(ctx, store.Filter{Limit: 10}); err != nil || len(msgs) != 0 {
		t.Errorf("before commit, Messages = %d messages, %v; want none", len(msgs), err)
	}
	if err := load.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// The log, which held the whole load, is emptied.
	if fi, err := os.Stat(bulkPath + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("the write-ahead log holds %d bytes after the load", fi.Size())
	}

	got, want := dumpTables(t, bulkPath), dumpTables(t, plainPath)
	for q := range want {
		if got[q] != want[q] {
			t.Errorf("%s differs:\nload:\n%s\ninsert:\n%s", q, got[q], want[q])
		}
	}
	if !strings.Contains(want[`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY name`], "messages_sender") {
		t.Error("the schema dump does not list the indexes")
	}
	msgs, err := bulk.Messages(ctx, store.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) == 0 || len(msgs) >= stored {
		t.Errorf("Messages after the load = %d; want the published part of %d", len(msgs), stored)
	}
	// A load over a database that holds messages stores batch by batch.
	again, err := bulk.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	res, err := again.Add(ctx, bulk.Prepare([]store.Inbound{msg("+447400123456", "Google", "G-482913 is your Google verification code.", t0.Add(time.Hour))}))
	if err != nil || res[0].Err != nil {
		t.Fatalf("Add = %+v, %v", res, err)
	}
	if m, err := bulk.Message(ctx, res[0].ID); err != nil || m.Code != "482913" {
		t.Errorf("before Commit, Message(%d) = %+v, %v; want it stored", res[0].ID, m, err)
	}
	if err := again.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// A load that ends without Commit leaves the database as it was.
func TestLoadAbandoned(t *testing.T) {
	ctx := context.Background()
	st, path := openSQLite(t)
	before := dumpTables(t, path)
	load, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := load.Add(ctx, st.Prepare(loadBatches()[0])); err != nil {
		t.Fatal(err)
	}
	load.Close()
	if err := load.Commit(ctx); err == nil {
		t.Error("Commit after Close succeeded")
	}
	after := dumpTables(t, path)
	for q := range before {
		if before[q] != after[q] {
			t.Errorf("%s changed:\nbefore:\n%s\nafter:\n%s", q, before[q], after[q])
		}
	}
	// The writer is free again.
	mustInsert(t, st, msg("+447400123456", "WhatsApp", "Your WhatsApp code: 123-456", t0))
}
