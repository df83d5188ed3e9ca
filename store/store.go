// Package store keeps numbers, senders and messages in SQLite (the default)
// or PostgreSQL (for several nodes on one database).
//
// On SQLite one writer connection takes every write (in immediate
// transactions) and a pool of readers answers pages, feeds and the API; on
// PostgreSQL one pool does both. Counts are kept in the transaction that
// changes them, so no listing counts rows.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options tune a Store.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// BusyTimeout is how long a write waits for another writer; 5s when 0.
	BusyTimeout time.Duration
	// AutoAddNumbers publishes a receiving number the first time a message
	// arrives for it, instead of keeping it pending.
	AutoAddNumbers bool
	// Readers is the size of the reader pool; the number of CPUs when 0.
	Readers int
	// WriteCacheMB is the page cache of the writer connection in MiB, 32
	// when 0. Loading millions of messages at once (smsinbox demo) is
	// several times faster with a cache that holds the indexes.
	WriteCacheMB int
}

// Store is the store, on SQLite or PostgreSQL.
type Store struct {
	path   string // the file, or the PostgreSQL address without password
	d      dialect
	pg     *pgState // nil on SQLite
	write  *sql.DB
	read   *sql.DB
	now    func() time.Time
	opts   Options
	commit *committer
	rows   rowCache
	parsed parseCache

	mu       sync.Mutex
	onCommit []func(lastID int64)
	observe  IngestObserver
}

// Open opens (creating when needed) the database at dsn, a plain path or
// "sqlite:PATH" for SQLite, or a "postgres://" address for PostgreSQL, and
// applies pending migrations.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.Readers <= 0 {
		opts.Readers = max(4, runtime.NumCPU())
	}
	if isPostgresDSN(dsn) {
		return openPostgres(ctx, dsn, opts)
	}
	path, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	pragmas := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)",
		opts.BusyTimeout.Milliseconds())
	writeCache := opts.WriteCacheMB
	if writeCache <= 0 {
		writeCache = 32
	}
	write, err := sql.Open("sqlite", "file:"+fileURI(path)+"?"+pragmas+fmt.Sprintf("&_pragma=cache_size(%d)", -writeCache*1024)+"&_txlock=immediate")
	if err != nil {
		return nil, openError(path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	s := &Store{path: path, write: write, now: opts.Now, opts: opts}
	if err := s.migrate(ctx); err != nil {
		write.Close()
		return nil, err
	}
	read, err := sql.Open("sqlite", "file:"+fileURI(path)+"?"+pragmas+"&_pragma=cache_size(-32000)&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, openError(path, err)
	}
	read.SetMaxOpenConns(opts.Readers)
	read.SetMaxIdleConns(opts.Readers)
	s.read = read
	s.commit = newCommitter(s)
	return s, nil
}

// Close stops the group committer and closes the database.
func (s *Store) Close() error {
	s.commit.stop()
	if s.pg != nil {
		s.pg.close()
		return s.write.Close()
	}
	err1 := s.read.Close()
	err2 := s.write.Close()
	return errors.Join(err1, err2)
}

// Path is the database file; on PostgreSQL, its address without password.
func (s *Store) Path() string { return s.path }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// OnCommit registers fn to run after each write transaction that stored
// messages, with the greatest message id stored so far. On PostgreSQL it
// also runs when another node announces such a commit (LISTEN/NOTIFY).
func (s *Store) OnCommit(fn func(lastID int64)) {
	s.mu.Lock()
	s.onCommit = append(s.onCommit, fn)
	s.mu.Unlock()
	if s.pg != nil {
		s.listen()
	}
}

func (s *Store) notify(lastID int64) {
	s.mu.Lock()
	fns := s.onCommit
	s.mu.Unlock()
	for _, fn := range fns {
		fn(lastID)
	}
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var v int
	return s.read.QueryRowContext(ctx, `SELECT 1`).Scan(&v)
}

func sqlitePath(dsn string) (string, error) {
	if strings.HasPrefix(dsn, "sqlite:") {
		dsn = strings.TrimPrefix(dsn, "sqlite:")
		dsn = strings.TrimPrefix(dsn, "//")
	}
	if dsn == "" {
		return "", Errorf(KindInvalid, "the database path is empty; give --db a file path such as smsinbox.db")
	}
	return dsn, nil
}

func fileURI(path string) string {
	return (&url.URL{Path: path}).EscapedPath()
}

// checkPath turns the common mistakes into one clear sentence before SQLite
// gives a cryptic one.
func checkPath(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return Errorf(KindInvalid, "the folder %s for the database does not exist; create it or give --db another path", dir)
	}
	if !st.IsDir() {
		return Errorf(KindInvalid, "%s is not a folder, so the database %s cannot be created there; give --db another path", dir, path)
	}
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return Errorf(KindInvalid, "%s is a folder, not a database file; give --db a file path", path)
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return Errorf(KindInvalid, "cannot write the database %s (%s); fix its permissions or give --db a writable path", path, errText(err))
		}
		f.Close()
		return nil
	}
	f, err := os.CreateTemp(dir, ".smsinbox-write-check-*")
	if err != nil {
		return Errorf(KindInvalid, "cannot create the database in %s (%s); fix the folder's permissions or give --db a writable path", dir, errText(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// openError explains an error from opening or first using the database.
func openError(path string, err error) error {
	if e, ok := pgOpenError(path, err); ok {
		return e
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return &Error{Kind: KindInvalid, Message: fmt.Sprintf("%s is not a valid smsinbox database (the file is damaged or of another kind); restore it from a backup or give --db another path", path), Err: err}
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return &Error{Kind: KindConflict, Message: fmt.Sprintf("the database %s is locked by another program for longer than the wait allows; stop the other writer or try again", path), Err: err}
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
			return &Error{Kind: KindInvalid, Message: fmt.Sprintf("cannot write the database %s; fix its permissions or give --db a writable path", path), Err: err}
		case sqlite3.SQLITE_FULL:
			return &Error{Kind: KindInternal, Message: fmt.Sprintf("the disk holding %s is full; free some space", path), Err: err}
		}
	}
	return &Error{Kind: KindInternal, Message: fmt.Sprintf("cannot use the database %s", path), Err: err}
}

// migrate applies the embedded migrations that the database lacks, each in
// its own transaction, and refuses a database written by a newer version.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	known := len(names)
	var version int
	if err := s.write.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return openError(s.path, err)
	}
	if version > known {
		return Errorf(KindInvalid, "the database %s was written by a newer smsinbox (schema %d; this one knows up to %d); run a newer smsinbox", s.path, version, known)
	}
	for i := version; i < known; i++ {
		body, err := migrationFiles.ReadFile(names[i])
		if err != nil {
			return err
		}
		tx, err := s.write.BeginTx(ctx, nil)
		if err != nil {
			return openError(s.path, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return openError(s.path, fmt.Errorf("migration %s: %w", names[i], err))
		}
		if _, err := tx.ExecContext(ctx, `PRAGMA user_version = `+strconv.Itoa(i+1)); err != nil {
			tx.Rollback()
			return openError(s.path, err)
		}
		if err := tx.Commit(); err != nil {
			return openError(s.path, err)
		}
	}
	return nil
}

// SchemaVersion is the applied migration count.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	q := `PRAGMA user_version`
	if s.d == postgresDialect {
		q = `SELECT version FROM schema_version`
	}
	var v int
	err := s.read.QueryRowContext(ctx, q).Scan(&v)
	return v, err
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Meta reads a value of the meta table, "" when absent.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetMeta writes a value of the meta table.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// Empty reports whether the database holds no numbers and no messages.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM (SELECT 1 FROM numbers LIMIT 1) AS n) + (SELECT count(*) FROM (SELECT 1 FROM messages LIMIT 1) AS m)`).Scan(&n)
	return n == 0, err
}
