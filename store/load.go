package store

import (
	"context"
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
	bulk *inserts // nil when each batch is its own transaction
	// The indexes dropped for a bulk load, as they were created.
	rebuild []string
	ended   bool
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
	t, err := s.beginInserts(ctx)
	if err != nil {
		return nil, err
	}
	if err := l.dropIndexes(t); err != nil {
		t.rollback()
		return nil, err
	}
	return l, nil
}

// dropIndexes makes t a bulk load when the database holds no messages.
func (l *Loader) dropIndexes(t *inserts) error {
	var any bool
	if err := t.tx.QueryRowContext(t.ctx, `SELECT EXISTS (SELECT 1 FROM messages)`).Scan(&any); err != nil {
		return openError(l.s.path, err)
	}
	if any {
		t.rollback()
		return nil
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN (`+deferredTables+`)
		ORDER BY name`)
	if err != nil {
		return openError(l.s.path, err)
	}
	var names []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			return err
		}
		names = append(names, name)
		l.rebuild = append(l.rebuild, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, name := range names {
		if _, err := t.tx.ExecContext(t.ctx, `DROP INDEX "`+name+`"`); err != nil {
			return openError(l.s.path, err)
		}
	}
	l.bulk = t
	return nil
}

// Add stores a batch: at once when the load is not one transaction, else
// when Commit does. Results are as InsertPrepared gives them.
func (l *Loader) Add(ctx context.Context, b *Batch) ([]Result, error) {
	if l.ended {
		return nil, Errorf(KindInvalid, "the load has ended")
	}
	if l.bulk == nil {
		return l.s.InsertPrepared(ctx, b)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]Result, len(b.preps))
	err := l.bulk.add(b.preps, out)
	if err == nil {
		err = l.bulk.w.flushSearch(l.bulk.ctx)
	}
	if err != nil {
		l.Close()
		return nil, err
	}
	return out, nil
}

// Commit ends the load, storing what a bulk load holds.
func (l *Loader) Commit(ctx context.Context) error {
	if l.ended {
		return Errorf(KindInvalid, "the load has ended")
	}
	defer l.Close()
	t := l.bulk
	if t == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := t.commit(func() error {
		for _, create := range l.rebuild {
			if _, err := t.tx.ExecContext(t.ctx, create); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The write-ahead log now holds about the whole database: empty it, so
	// that readers find pages in the database file and the disk space
	// returns. A reader that holds it up only leaves the log as it is.
	if _, err := l.s.write.ExecContext(t.ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return openError(l.s.path, err)
	}
	return nil
}

// Close abandons the part of a bulk load that was not committed. It is
// safe to call after Commit.
func (l *Loader) Close() {
	l.ended = true
	if l.bulk != nil {
		l.bulk.rollback()
	}
}
