package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// copyTable is one table Migrate copies, in the order of its key.
type copyTable struct {
	name string
	keys []string
	// resume continues after the greatest key already copied; otherwise
	// the table is copied whole again (rows present are kept).
	resume bool
}

// copyTables are in an order that satisfies the foreign keys.
var copyTables = []copyTable{
	{"numbers", []string{"id"}, true},
	{"senders", []string{"id"}, true},
	{"templates", []string{"id"}, true},
	{"messages", []string{"id"}, true},
	{"sender_delays", []string{"sender_id", "bucket"}, true},
	{"sender_numbers", []string{"sender_id", "number_id"}, true},
	{"parts", []string{"id"}, true},
	{"audit_log", []string{"id"}, true},
	{"meta", []string{"key"}, false},
}

// Migrate copies every row of from into to (typically a SQLite database
// into a new PostgreSQL one): numbers, senders, their formats, delays and
// numbers reached, messages (and the search index), pending parts, the
// audit log and settings, keeping ids. Each batch is its own transaction,
// so an interrupted copy resumes where it stopped when run again. At the
// end the row counts of both are compared. Stop every writer to from
// first: rows changed during the copy are not copied again. progress, when
// not nil, is called after each batch with rows copied and rows in all.
func Migrate(ctx context.Context, from, to *Store, progress func(done, total int64)) error {
	if from == to || (from.d == to.d && from.path == to.path) {
		return Errorf(KindInvalid, "migrate needs two different databases; --from and --to name the same one")
	}
	var total, done int64
	for _, t := range copyTables {
		n, err := countRows(ctx, from.read, t.name)
		if err != nil {
			return err
		}
		total += n
		have, err := countRows(ctx, to.read, t.name)
		if err != nil {
			return err
		}
		done += min(have, n)
	}
	if progress != nil {
		progress(done, total)
	}
	for _, t := range copyTables {
		if err := copyRows(ctx, from, to, t, func(n int64) {
			done += n
			if progress != nil {
				progress(min(done, total), total)
			}
		}); err != nil {
			return err
		}
	}
	if to.d == postgresDialect {
		for _, t := range copyTables {
			if len(t.keys) != 1 || t.keys[0] != "id" {
				continue
			}
			if _, err := to.write.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t.name+`', 'id'), GREATEST((SELECT max(id) FROM `+t.name+`), 1))`); err != nil {
				return fmt.Errorf("migrate: setting the next id of %s: %w", t.name, err)
			}
		}
	}
	for _, t := range copyTables {
		a, err := countRows(ctx, from.read, t.name)
		if err != nil {
			return err
		}
		b, err := countRows(ctx, to.read, t.name)
		if err != nil {
			return err
		}
		if a != b {
			return Errorf(KindConflict, "after the copy %s holds %d rows of %s and %s holds %d; stop every writer to %s and run migrate again", from.path, a, t.name, to.path, b, from.path)
		}
	}
	return nil
}

func countRows(ctx context.Context, db *sql.DB, table string) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n)
	return n, err
}

// copyRows copies one table in batches of its key order.
func copyRows(ctx context.Context, from, to *Store, t copyTable, copied func(int64)) error {
	probe, err := from.read.QueryContext(ctx, `SELECT * FROM `+t.name+` LIMIT 0`)
	if err != nil {
		return err
	}
	cols, err := probe.Columns()
	probe.Close()
	if err != nil {
		return err
	}
	quoted := make([]string, len(cols))
	index := map[string]int{}
	for i, c := range cols {
		quoted[i] = `"` + c + `"`
		index[c] = i
	}
	keyIdx := make([]int, len(t.keys))
	for i, k := range t.keys {
		keyIdx[i] = index[k]
	}
	order := strings.Join(t.keys, ", ")
	tuple := "(" + order + ")"
	marks := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.keys)), ", ") + ")"

	var after []any
	if t.resume {
		desc := strings.Join(t.keys, " DESC, ") + " DESC"
		row := make([]any, len(t.keys))
		ptrs := make([]any, len(t.keys))
		for i := range row {
			ptrs[i] = &row[i]
		}
		err := to.read.QueryRowContext(ctx, `SELECT `+order+` FROM `+t.name+` ORDER BY `+desc+` LIMIT 1`).Scan(ptrs...)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return err
		default:
			after = row
		}
	}
	batch := min(1000, 30000/len(cols))
	for {
		q := `SELECT ` + strings.Join(quoted, ", ") + ` FROM ` + t.name
		args := []any{}
		if after != nil {
			q += ` WHERE ` + tuple + ` > ` + marks
			args = append(args, after...)
		}
		q += ` ORDER BY ` + order + ` LIMIT ?`
		args = append(args, batch)
		rows, err := from.read.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		var values [][]any
		for rows.Next() {
			v := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range v {
				ptrs[i] = &v[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
			values = append(values, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(values) == 0 {
			return nil
		}
		if err := to.insertRows(ctx, t.name, cols, quoted, values); err != nil {
			return fmt.Errorf("migrate: copying %s: %w", t.name, err)
		}
		copied(int64(len(values)))
		last := values[len(values)-1]
		after = make([]any, len(keyIdx))
		for i, k := range keyIdx {
			after[i] = last[k]
		}
		if len(values) < batch {
			return nil
		}
	}
}

// insertRows writes rows into table in one transaction, with the search
// index of the visible messages among them.
func (s *Store) insertRows(ctx context.Context, table string, cols, quoted []string, values [][]any) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	var b strings.Builder
	b.WriteString(`INSERT INTO ` + table + ` (` + strings.Join(quoted, ", ") + `) VALUES `)
	args := make([]any, 0, len(cols)*len(values))
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
		args = append(args, v...)
	}
	b.WriteString(` ON CONFLICT DO NOTHING`)
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return err
	}
	if table == "messages" {
		if err := s.indexRows(ctx, tx, cols, values); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// indexRows adds the visible messages among copied rows to the search
// index.
func (s *Store) indexRows(ctx context.Context, tx *sql.Tx, cols []string, values [][]any) error {
	at := map[string]int{}
	for i, c := range cols {
		at[c] = i
	}
	var ids []int64
	var docs []string
	for _, v := range values {
		id, _ := v[at["id"]].(int64)
		visible, _ := v[at["visible"]].(int64)
		var body string
		switch x := v[at["body"]].(type) {
		case string:
			body = x
		case []byte:
			body = string(x)
		}
		if id == 0 || visible != 1 || body == "" {
			continue
		}
		ids = append(ids, id)
		docs = append(docs, body)
	}
	if len(ids) == 0 {
		return nil
	}
	if s.d == postgresDialect {
		for i := range docs {
			docs[i] = searchText(docs[i])
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO messages_fts (id, doc)
			SELECT u.id, to_tsvector('simple', u.doc) FROM unnest(CAST(? AS bigint[]), CAST(? AS text[])) AS u (id, doc)
			ON CONFLICT (id) DO NOTHING`, ids, docs)
		return err
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO messages_fts (rowid, body) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, id := range ids {
		if _, err := st.ExecContext(ctx, id, docs[i]); err != nil {
			return err
		}
	}
	return nil
}
