package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQueryPlans checks that every listing reads an index and never scans
// or sorts the messages table.
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AddNumber(ctx, "test", "+447400123456", ""); err != nil {
		t.Fatal(err)
	}
	r, err := st.Insert(ctx, Inbound{To: "+447400123456", From: "Bank", Body: "code 1234", ReceivedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	filters := map[string]Filter{
		"latest":          {},
		"latest before":   {Before: r.ID},
		"latest after":    {After: r.ID},
		"number":          {NumberID: 1},
		"number before":   {NumberID: 1, Before: r.ID},
		"number after":    {NumberID: 1, After: r.ID},
		"number and from": {NumberID: 1, SenderKey: "bank", After: r.ID},
		"sender":          {SenderKey: "bank"},
		"sender before":   {SenderKey: "bank", Before: r.ID},
		"country":         {Country: "gb", Before: r.ID},
	}
	for name, f := range filters {
		q, args, err := st.messagesQuery(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, st, name, q, args)
	}
	checkPlan(t, st, "senders recent", `SELECT `+senderColumns+` FROM senders WHERE messages > 0 AND (last_seen, id) < (?, ?) ORDER BY last_seen DESC, id DESC LIMIT 50`, []any{1, 1})
	checkPlan(t, st, "search", `SELECT f.rowid FROM messages_fts f WHERE messages_fts MATCH ? ORDER BY f.rowid DESC LIMIT 50`, []any{`"code"`})
	checkPlan(t, st, "new messages", `SELECT `+messageColumns+messageJoins+` WHERE m.id > ? AND m.visible = 1 ORDER BY m.id LIMIT 10`, []any{1})
	checkPlan(t, st, "purge visible", `SELECT id FROM messages WHERE visible = 1 AND received_at < ? ORDER BY received_at, id LIMIT 10`, []any{1})
	checkPlan(t, st, "purge invisible", `SELECT id FROM messages WHERE visible = 0 AND received_at < ? ORDER BY received_at, id LIMIT 10`, []any{1})
	checkPlan(t, st, "publish", `SELECT id FROM messages WHERE +number_id = ? AND hidden = 0 AND visible = 0`, []any{1})
}

func checkPlan(t *testing.T, st *Store, name, q string, args []any) {
	t.Helper()
	rows, err := st.read.Query(`EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	all := strings.Join(plan, "; ")
	for _, d := range plan {
		if (strings.HasPrefix(d, "SCAN m") || strings.HasPrefix(d, "SCAN messages")) && !strings.Contains(d, "INDEX") ||
			strings.Contains(d, "TEMP B-TREE") && !strings.Contains(name, "after") {
			t.Errorf("%s: plan scans or sorts: %s", name, all)
		}
	}
}
