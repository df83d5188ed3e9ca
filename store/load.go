package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
)

// metaLoadIndexes holds, while a bulk load runs, the definitions of the
// indexes it dropped, so that an interrupted load gets them back at the
// next Open.
const metaLoadIndexes = "load_indexes"

// Load stores many messages at once into a database that holds none yet:
// fn is called with an insert function that takes batches as InsertBatch
// does. On SQLite the message listing indexes and the search index are
// built once at the end instead of row by row, which makes a million
// messages several times faster. On a database that already holds
// messages, or on PostgreSQL, insert is InsertBatch itself.
func (s *Store) Load(ctx context.Context, fn func(insert func([]Inbound) ([]Result, error)) error) error {
	if s.pg != nil {
		return fn(func(ins []Inbound) ([]Result, error) { return s.InsertBatch(ctx, ins) })
	}
	var any int
	err := s.write.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM messages LIMIT 1)`).Scan(&any)
	if err != nil {
		return openError(s.path, err)
	}
	if any > 0 {
		return fn(func(ins []Inbound) ([]Result, error) { return s.InsertBatch(ctx, ins) })
	}
	ddl, err := s.dropMessageIndexes(ctx)
	if err != nil {
		return err
	}
	s.loading.Store(true)
	loadErr := fn(func(ins []Inbound) ([]Result, error) { return s.InsertBatch(ctx, ins) })
	s.loading.Store(false)
	// The indexes come back even when the load failed: the messages that
	// were stored must be listed.
	if err := s.restoreMessageIndexes(context.WithoutCancel(ctx), ddl); err != nil {
		return errors.Join(loadErr, err)
	}
	return loadErr
}

// dropMessageIndexes drops the secondary indexes of messages (the unique
// dedupe index stays: inserts need it) and empties the search index,
// remembering their definitions in the meta table first.
func (s *Store) dropMessageIndexes(ctx context.Context) ([]string, error) {
	rows, err := s.write.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names, ddl []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, name)
		ddl = append(ddl, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	saved, err := json.Marshal(ddl)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, metaLoadIndexes, string(saved)); err != nil {
			return err
		}
		for _, name := range names {
			if _, err := tx.ExecContext(ctx, `DROP INDEX `+quoteIdent(name)); err != nil {
				return err
			}
		}
		return nil
	})
	return ddl, err
}

// restoreMessageIndexes builds the dropped indexes and the search index of
// the visible messages, and forgets the saved definitions.
func (s *Store) restoreMessageIndexes(ctx context.Context, ddl []string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, def := range ddl {
			def = strings.Replace(def, "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
			if _, err := tx.ExecContext(ctx, def); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM messages_fts`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO messages_fts (rowid, body) SELECT id, body FROM messages WHERE visible = 1 AND body != ''`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, metaLoadIndexes)
		return err
	})
}

// finishInterruptedLoad restores what a bulk load that did not finish
// (the process was killed) left out. Open calls it.
func (s *Store) finishInterruptedLoad(ctx context.Context) error {
	var saved string
	err := s.write.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaLoadIndexes).Scan(&saved)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	var ddl []string
	if err := json.Unmarshal([]byte(saved), &ddl); err != nil {
		return err
	}
	return s.restoreMessageIndexes(ctx, ddl)
}

func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
