package store

import (
	"context"
	"database/sql"
	"os"
	"time"
)

// Purge deletes up to batch messages received before cutoff, oldest first,
// in one short transaction, keeping every count right. It returns how many
// it deleted; callers repeat it until it returns fewer than batch.
func (s *Store) Purge(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = 500
	}
	n := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, visible FROM (
				SELECT id, visible, received_at FROM (SELECT id, visible, received_at FROM messages WHERE visible = 1 AND received_at < ? ORDER BY received_at, id LIMIT ?) AS v
				UNION ALL
				SELECT id, visible, received_at FROM (SELECT id, visible, received_at FROM messages WHERE visible = 0 AND received_at < ? ORDER BY received_at, id LIMIT ?) AS h
			) AS victims ORDER BY received_at, id LIMIT ?`, ms(cutoff), batch, ms(cutoff), batch, batch)
		if err != nil {
			return err
		}
		type row struct {
			id      int64
			visible bool
		}
		var victims []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.visible); err != nil {
				rows.Close()
				return err
			}
			victims = append(victims, r)
		}
		rows.Close()
		for _, r := range victims {
			if r.visible {
				if err := s.applyVisible(ctx, tx, r.id, -1); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE id = ?`, r.id); err != nil {
				return err
			}
		}
		n = len(victims)
		return nil
	})
	return n, err
}

// Backup writes a consistent copy of the live database to path, which must
// not exist yet. A PostgreSQL database is backed up with its own tools.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.d == postgresDialect {
		return Errorf(KindInvalid, "smsinbox backup copies SQLite databases only; back up PostgreSQL with pg_dump or its base backups")
	}
	if _, err := os.Stat(path); err == nil {
		return Errorf(KindInvalid, "%s already exists; give backup a new file name", path)
	}
	if err := checkPath(path); err != nil {
		return err
	}
	// A connection of its own: VACUUM INTO reads a snapshot while the
	// writer goes on, and the reader pool is query-only.
	db, err := sql.Open("sqlite", "file:"+fileURI(s.path)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return &Error{Kind: KindInternal, Message: "the backup to " + path + " failed", Err: err}
	}
	return nil
}
