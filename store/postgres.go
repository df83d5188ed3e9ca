package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/text/unicode/norm"
)

//go:embed migrations/postgres/*.sql
var pgMigrationFiles embed.FS

// dialect is the SQL flavour of a store's database.
type dialect int

const (
	sqliteDialect dialect = iota
	postgresDialect
)

// greatest and least are the two-argument scalar max and min.
func (d dialect) greatest() string {
	if d == postgresDialect {
		return "GREATEST"
	}
	return "max"
}

func (d dialect) least() string {
	if d == postgresDialect {
		return "LEAST"
	}
	return "min"
}

// noIndex marks a column so that SQLite does not pick its index (a unary
// "+"); PostgreSQL's planner needs no such hint.
func (d dialect) noIndex(col string) string {
	if d == postgresDialect {
		return col
	}
	return "+" + col
}

func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// pgState is what a PostgreSQL store holds besides its pool.
type pgState struct {
	config  *pgx.ConnConfig
	lockKey int64  // advisory lock every write transaction takes
	channel string // NOTIFY channel of this schema
	node    string // this process's mark on its notifications

	listenOnce sync.Once
	stop       context.CancelFunc
	done       chan struct{}
}

// openPostgres opens a store on a PostgreSQL database. Reads and writes
// share one pool; every write transaction takes one advisory lock of the
// schema first, so that message ids become visible in increasing order on
// every node (live updates read "ids after the last seen") and count
// updates never deadlock.
func openPostgres(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Message: "the PostgreSQL address given to --db is not valid; write it as postgres://user:password@host:5432/database", Err: err}
	}
	name := pgName(cfg)
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	db := sql.OpenDB(&pgConnector{inner: stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(opts.Readers + 4)
	db.SetMaxIdleConns(opts.Readers + 4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		db.Close()
		return nil, openError(name, err)
	}
	if !schema.Valid {
		db.Close()
		return nil, Errorf(KindInvalid, "the search_path of %s names no schema that exists; create the schema or fix --db", name)
	}
	h := fnv.New64a()
	h.Write([]byte("smsinbox\x00" + schema.String))
	sum := h.Sum64()
	pg := &pgState{
		config:  cfg,
		lockKey: int64(sum),
		channel: fmt.Sprintf("smsinbox_%016x", sum),
		node:    fmt.Sprintf("%016x", uint64(time.Now().UnixNano())^sum),
	}
	s := &Store{path: name, write: db, read: db, now: opts.Now, opts: opts, d: postgresDialect, pg: pg}
	if err := s.migratePostgres(ctx); err != nil {
		db.Close()
		return nil, err
	}
	s.commit = newCommitter(s)
	return s, nil
}

// pgName names a PostgreSQL database for messages, without its password.
func pgName(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		return "postgres://" + cfg.User + "@" + cfg.Database + " (socket " + host + ")"
	}
	return "postgres://" + net.JoinHostPort(host, strconv.Itoa(int(cfg.Port))) + "/" + cfg.Database
}

// migratePostgres applies the missing PostgreSQL migrations in one
// transaction under the schema's lock, so nodes starting together apply
// them once.
func (s *Store) migratePostgres(ctx context.Context) error {
	names, err := fs.Glob(pgMigrationFiles, "migrations/postgres/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	known := len(names)
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return openError(s.path, err)
	}
	var version int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`)
	}
	if err != nil {
		return openError(s.path, err)
	}
	if version > known {
		return Errorf(KindInvalid, "the database %s was written by a newer smsinbox (schema %d; this one knows up to %d); run a newer smsinbox", s.path, version, known)
	}
	for i := version; i < known; i++ {
		body, err := pgMigrationFiles.ReadFile(names[i])
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return openError(s.path, fmt.Errorf("migration %s: %w", names[i], err))
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, known); err != nil {
		return openError(s.path, err)
	}
	if err := tx.Commit(); err != nil {
		return openError(s.path, err)
	}
	return nil
}

// announce tells the other nodes, when tx commits, that messages up to
// lastID were stored.
func (s *Store) announce(ctx context.Context, tx *sql.Tx, lastID int64) error {
	if s.pg == nil || lastID <= 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, s.pg.channel, s.pg.node+" "+itoa(lastID))
	return err
}

// listen starts, once, a connection that LISTENs for other nodes' commits
// and runs the OnCommit callbacks for each. After a lost connection it
// reconnects and runs them once, since commits may have been missed.
func (s *Store) listen() {
	s.pg.listenOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		s.pg.stop = cancel
		s.pg.done = make(chan struct{})
		go func() {
			defer close(s.pg.done)
			backoff := 100 * time.Millisecond
			for ctx.Err() == nil {
				connected, err := s.listenConn(ctx)
				if ctx.Err() != nil {
					return
				}
				if connected {
					backoff = 100 * time.Millisecond
				}
				_ = err // the hub's poll covers the gap; retry quietly
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
				backoff = min(backoff*2, 5*time.Second)
			}
		}()
	})
}

func (s *Store) listenConn(ctx context.Context) (connected bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, s.pg.config.Copy())
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{s.pg.channel}.Sanitize()); err != nil {
		return false, err
	}
	// Whatever was committed while no connection listened.
	if id, err := s.LastID(ctx); err == nil {
		s.notify(id)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		node, id, ok := strings.Cut(n.Payload, " ")
		if !ok || node == s.pg.node {
			continue
		}
		if v, err := strconv.ParseInt(id, 10, 64); err == nil && v > 0 {
			s.notify(v)
		}
	}
}

func (p *pgState) close() {
	if p.stop != nil {
		p.stop()
		<-p.done
	}
}

// pgOpenError explains an error from reaching or using a PostgreSQL
// database in one sentence; ok is false for other errors.
func pgOpenError(name string, err error) (*Error, bool) {
	var ce *pgconn.ConnectError
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return &Error{Kind: KindInvalid, Message: fmt.Sprintf("PostgreSQL at %s refused the user or password in --db", name), Err: err}, true
		case "3D000":
			return &Error{Kind: KindInvalid, Message: fmt.Sprintf("the database %s does not exist; create it (createdb) or fix --db", name), Err: err}, true
		case "42501":
			return &Error{Kind: KindInvalid, Message: fmt.Sprintf("the PostgreSQL user in --db may not create or change tables in %s; grant it the rights or use the database owner", name), Err: err}, true
		case "53300":
			return &Error{Kind: KindConflict, Message: fmt.Sprintf("PostgreSQL at %s has no free connection; raise max_connections or run fewer nodes", name), Err: err}, true
		case "53100":
			return &Error{Kind: KindInternal, Message: fmt.Sprintf("the disk of the PostgreSQL server at %s is full", name), Err: err}, true
		}
		return nil, false
	}
	if errors.As(err, &ce) {
		return &Error{Kind: KindInternal, Message: fmt.Sprintf("cannot reach the PostgreSQL server at %s; check that it runs and that --db is right", name), Err: err}, true
	}
	return nil, false
}

// pgConnector hands database/sql connections that speak the store's SQL:
// "?" placeholders become $1, $2..., bools become 0 and 1 (the schema keeps
// flags in integer columns, as SQLite does), and text arguments are made
// valid UTF-8 without NUL, which PostgreSQL text cannot hold.
type pgConnector struct {
	inner driver.Connector
}

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{Conn: conn.(*stdlib.Conn)}, nil
}

func (c *pgConnector) Driver() driver.Driver { return c.inner.Driver() }

type pgConn struct {
	*stdlib.Conn
}

func (c *pgConn) Prepare(q string) (driver.Stmt, error) {
	return c.Conn.Prepare(rebind(q))
}

func (c *pgConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(q))
}

func (c *pgConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(q), args)
}

func (c *pgConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(q), args)
}

func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case bool:
		if v {
			nv.Value = int64(1)
		} else {
			nv.Value = int64(0)
		}
	case string:
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			nv.Value = clean(v)
		}
	}
	return c.Conn.CheckNamedValue(nv)
}

var rebinds sync.Map // query -> rebound query

// rebind turns "?" placeholders outside quotes into $1, $2...
func rebind(q string) string {
	if v, ok := rebinds.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		ch := q[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(ch)
	}
	out := b.String()
	rebinds.Store(q, out)
	return out
}

// searchText folds text for the PostgreSQL search index and its queries:
// lower case, diacritics removed, every run of characters other than
// letters and digits one space.
func searchText(s string) string {
	s = norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		case !space:
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// tsQuery turns free text into a to_tsquery argument with the words of
// searchWords, folded as the index folds them, all of them required.
func tsQuery(q string) string {
	var parts []string
	for _, w := range searchWords(q) {
		folded := strings.Fields(searchText(w.text))
		for j, f := range folded {
			if w.prefix && j == len(folded)-1 {
				f += ":*"
			}
			parts = append(parts, f)
		}
	}
	if len(parts) > maxSearchWords {
		parts = parts[:maxSearchWords]
	}
	return strings.Join(parts, " & ")
}
