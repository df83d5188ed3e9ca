package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"
)

// begin starts a write transaction. On PostgreSQL it first takes the
// schema's write lock: writes from every node take turns, so message ids
// become visible in increasing order and count updates cannot deadlock.
func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, openError(s.path, err)
	}
	if s.pg != nil {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, s.pg.lockKey); err != nil {
			tx.Rollback()
			return nil, openError(s.path, err)
		}
	}
	return tx, nil
}

// tx runs fn in a write transaction and commits it.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	// A number's status or a sender's block may have changed. The cache is
	// emptied while this transaction still holds the writer connection, so
	// that an insert taking the connection as soon as the commit frees it
	// cannot read a row from before the commit; and once more after, since a
	// transaction that ended meanwhile may have kept rows.
	s.rows.clear()
	if err := tx.Commit(); err != nil {
		return openError(s.path, err)
	}
	s.rows.clear()
	return nil
}

func audit(ctx context.Context, tx *sql.Tx, now time.Time, actor, action, target, reason string) error {
	if actor == "" {
		actor = "cli"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, target, reason) VALUES (?, ?, ?, ?, ?)`,
		ms(now), actor, action, target, reason)
	return err
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
