package store

import (
	"context"
	"database/sql"
)

// Loader stores a long stream of prepared batches, such as the demo data
// set. Start one with Load, give it batches with Add, and end it with
// Commit; Close abandons what was not committed.
//
// On an SQLite database that holds no messages yet, the whole load is one
// transaction: the indexes that serve only reading are dropped at its start
// and built once at its end, and the kept counts are written once, which is
// much cheaper than keeping all of them up to date message by message. Until
// Commit returns, nothing of the load is stored and no reader sees it; the
// writer is held for the whole load, and the IngestObserver is not told of
// its messages. On any other database each batch is a transaction of its
// own, as with InsertPrepared.
type Loader struct {
	s    *Store
	bulk bool

	// Of a bulk load:
	tx      *sql.Tx
	ctx     context.Context // its statements' context, see insertBatchTx
	w       *writer
	gen     int64
	last    int64
	rebuild []string // the indexes dropped for the load, as created
}

// deferredTables are the tables whose reading indexes a bulk load builds at
// its end.
const deferredTables = `'messages', 'senders', 'templates', 'sender_numbers', 'sender_delays'`

// Load starts a load. ctx bounds the whole of a bulk load.
func (s *Store) Load(ctx context.Context) (*Loader, error) {
	l := &Loader{s: s}
	if s.pg != nil {
		return l, nil
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	sctx := context.WithoutCancel(ctx)
	var any bool
	if err := tx.QueryRowContext(sctx, `SELECT EXISTS (SELECT 1 FROM messages)`).Scan(&any); err != nil {
		tx.Rollback()
		return nil, openError(s.path, err)
	}
	if any {
		tx.Rollback()
		return l, nil
	}
	gen, err := s.rows.check(sctx, tx)
	if err != nil {
		tx.Rollback()
		return nil, openError(s.path, err)
	}
	rows, err := tx.QueryContext(sctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN (`+deferredTables+`)
		ORDER BY name`)
	if err != nil {
		tx.Rollback()
		return nil, openError(s.path, err)
	}
	var names []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			tx.Rollback()
			return nil, err
		}
		names = append(names, name)
		l.rebuild = append(l.rebuild, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		tx.Rollback()
		return nil, err
	}
	for _, name := range names {
		if _, err := tx.ExecContext(sctx, `DROP INDEX "`+name+`"`); err != nil {
			tx.Rollback()
			return nil, openError(s.path, err)
		}
	}
	l.bulk, l.tx, l.ctx, l.gen = true, tx, sctx, gen
	l.w = newWriter(tx, s)
	l.w.cached = true
	return l, nil
}

// Add stores a batch: at once when the load is not one transaction, else
// when Commit does. Results are as InsertPrepared gives them.
func (l *Loader) Add(ctx context.Context, b *Batch) ([]Result, error) {
	if !l.bulk {
		return l.s.InsertPrepared(ctx, b)
	}
	if l.tx == nil {
		return nil, Errorf(KindInvalid, "the load has ended")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]Result, len(b.preps))
	last, err := l.w.insertAll(l.ctx, b.preps, out)
	if err == nil {
		err = l.w.flushSearch(l.ctx)
	}
	if err != nil {
		l.Close()
		return nil, err
	}
	l.last = max(l.last, last)
	return out, nil
}

// Commit ends the load, storing what a bulk load holds.
func (l *Loader) Commit(ctx context.Context) error {
	if !l.bulk {
		return nil
	}
	if l.tx == nil {
		return Errorf(KindInvalid, "the load has ended")
	}
	defer l.Close()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.w.finish(l.ctx); err != nil {
		return err
	}
	for _, create := range l.rebuild {
		if _, err := l.tx.ExecContext(l.ctx, create); err != nil {
			return err
		}
	}
	if err := l.tx.Commit(); err != nil {
		return openError(l.s.path, err)
	}
	// The write-ahead log now holds about the whole database: empty it, so
	// that readers find pages in the database file and the disk space
	// returns. A reader that holds it up only leaves the log as it is.
	if _, err := l.s.write.ExecContext(l.ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return openError(l.s.path, err)
	}
	l.s.rows.keep(l.gen, l.w)
	if l.last > 0 {
		l.s.notify(l.last)
	}
	return nil
}

// Close abandons the part of a bulk load that was not committed. It is
// safe to call after Commit.
func (l *Loader) Close() {
	if l.tx != nil {
		l.tx.Rollback()
		l.tx = nil
	}
}
