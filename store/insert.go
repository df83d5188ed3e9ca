package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"smsinbox/store/otp"
	"smsinbox/store/phone"
)

// Limits on what one message may hold.
const (
	MaxBodyBytes   = 64 << 10
	MaxSenderBytes = 256
)

// Ingest stores one message through the group committer: concurrent calls
// share one transaction, and each returns once the transaction holding its
// message is committed.
func (s *Store) Ingest(ctx context.Context, in Inbound) (Result, error) {
	return s.commit.submit(ctx, in)
}

// Insert stores one message in its own transaction.
func (s *Store) Insert(ctx context.Context, in Inbound) (Result, error) {
	res, err := s.InsertBatch(ctx, []Inbound{in})
	if err != nil {
		return Result{}, err
	}
	return res[0], res[0].Err
}

// InsertBatch stores messages in one transaction. A message that is refused
// (a number that does not parse, an empty sender) gets its Err set and the
// others are stored; the returned error is for the transaction as a whole.
func (s *Store) InsertBatch(ctx context.Context, ins []Inbound) ([]Result, error) {
	return s.InsertPrepared(ctx, s.Prepare(ins))
}

// Batch is messages checked and analysed by Prepare, ready for
// InsertPrepared.
type Batch struct {
	ins   []Inbound
	preps []prepared
}

// Prepare checks and analyses messages (their numbers, sender keys, codes
// and formats) without the database. A loader prepares its next batch
// while the writer stores the one before.
func (s *Store) Prepare(ins []Inbound) *Batch {
	return &Batch{ins: ins, preps: s.prepareAll(ins)}
}

// InsertPrepared stores a prepared batch in one transaction, as InsertBatch
// does.
func (s *Store) InsertPrepared(ctx context.Context, b *Batch) ([]Result, error) {
	start := time.Now()
	res, err := s.insertBatch(ctx, b.preps)
	if observe := s.observer(); observe != nil {
		for i, in := range b.ins {
			r := Result{}
			rerr := err
			if err == nil {
				r, rerr = res[i], res[i].Err
			}
			observe(in.Source, r, rerr, time.Since(start))
		}
	}
	return res, err
}

// IngestObserver is told of every message an insert stored, refused or
// failed, with how long it waited for its commit.
type IngestObserver func(source string, res Result, err error, wait time.Duration)

// ObserveIngest sets the observer of inserts (for metrics).
func (s *Store) ObserveIngest(fn IngestObserver) {
	s.mu.Lock()
	s.observe = fn
	s.mu.Unlock()
}

func (s *Store) observer() IngestObserver {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.observe
}

func (s *Store) insertBatch(ctx context.Context, preps []prepared) ([]Result, error) {
	out, err := s.insertBatchTx(ctx, preps)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return out, err
}

func (s *Store) insertBatchTx(ctx context.Context, preps []prepared) ([]Result, error) {
	t, err := s.beginInserts(ctx)
	if err != nil {
		return nil, err
	}
	defer t.rollback()
	out := make([]Result, len(preps))
	if err := t.add(preps, out); err != nil {
		return nil, err
	}
	if err := t.commit(nil); err != nil {
		return nil, err
	}
	return out, nil
}

// inserts is a write transaction that stores messages.
type inserts struct {
	s    *Store
	tx   *sql.Tx
	ctx  context.Context // of its statements
	w    *writer
	gen  int64 // of the row cache, on SQLite
	last int64 // the largest id stored
}

// beginInserts begins a write transaction that ends when ctx does. Its
// statements, thousands of short ones, run without a context of their own
// to watch: watching costs a goroutine per statement.
func (s *Store) beginInserts(ctx context.Context) (*inserts, error) {
	tx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	t := &inserts{s: s, tx: tx, ctx: context.WithoutCancel(ctx), w: newWriter(tx, s)}
	if s.pg == nil {
		if t.gen, err = s.rows.check(t.ctx, tx); err != nil {
			tx.Rollback()
			return nil, openError(s.path, err)
		}
		t.w.cached = true
	}
	return t, nil
}

// add stores prepared messages, setting each one's result in out.
func (t *inserts) add(preps []prepared, out []Result) error {
	for i, p := range preps {
		r, err := t.w.insertPrepared(t.ctx, p)
		if err != nil {
			if KindOf(err) == KindInvalid {
				out[i] = Result{Err: err}
				continue
			}
			return err
		}
		out[i] = r
		if !r.Duplicate && r.ID > t.last {
			t.last = r.ID
		}
	}
	return nil
}

// commit writes the search index entries and kept counts, runs before
// (when not nil), and commits; then it keeps the rows learnt in the row
// cache and tells the OnCommit callbacks.
func (t *inserts) commit(before func() error) error {
	if err := t.w.finish(t.ctx); err != nil {
		return err
	}
	if before != nil {
		if err := before(); err != nil {
			return err
		}
	}
	if err := t.s.announce(t.ctx, t.tx, t.last); err != nil {
		return err
	}
	if err := t.tx.Commit(); err != nil {
		return openError(t.s.path, err)
	}
	if t.w.cached {
		t.s.rows.keep(t.gen, t.w)
	}
	if t.last > 0 {
		t.s.notify(t.last)
	}
	return nil
}

// rollback ends the transaction unless it was committed.
func (t *inserts) rollback() { t.tx.Rollback() }

// writer holds the statements and caches of one write transaction.
type writer struct {
	tx        *sql.Tx
	s         *Store
	numbers   map[string]numberRow
	senders   map[string]senderRow
	templates map[templateKey]int64
	stmts     map[string]*sql.Stmt
	counts    *counts
	cached    bool // the store's row cache may answer lookups
	// Visible messages with a text body stored by this transaction, whose
	// ids are contiguous (one writer): they join the search index at the
	// end in one statement, which is much cheaper than one each.
	ftsFrom, ftsTo int64
	// On PostgreSQL, the same messages with their folded text.
	ftsIDs  []int64
	ftsDocs []string
}

type templateKey struct {
	sender   int64
	template string
}

type numberRow struct {
	id      int64
	e164    string
	country string
	status  string
}

type senderRow struct {
	id      int64
	blocked bool
}

func newWriter(tx *sql.Tx, s *Store) *writer {
	return &writer{tx: tx, s: s, numbers: map[string]numberRow{}, senders: map[string]senderRow{},
		templates: map[templateKey]int64{}, stmts: map[string]*sql.Stmt{}, counts: newCounts()}
}

// stmt prepares q once per transaction.
func (w *writer) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	st, err := w.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	w.stmts[q] = st
	return st, nil
}

// finish writes what the transaction's inserts gathered: the search index
// entries and the kept counts.
func (w *writer) finish(ctx context.Context) error {
	for _, st := range w.stmts {
		st.Close()
	}
	w.stmts = map[string]*sql.Stmt{}
	if err := w.flushSearch(ctx); err != nil {
		return err
	}
	return w.counts.flush(ctx, w.tx, w.s.d)
}

// flushSearch adds the messages stored since its last call to the search
// index.
func (w *writer) flushSearch(ctx context.Context) error {
	if len(w.ftsIDs) > 0 {
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO messages_fts (id, doc)
			SELECT u.id, to_tsvector('simple', u.doc) FROM unnest(CAST(? AS bigint[]), CAST(? AS text[])) AS u (id, doc)
			ON CONFLICT (id) DO NOTHING`, w.ftsIDs, w.ftsDocs); err != nil {
			return err
		}
		w.ftsIDs, w.ftsDocs = nil, nil
	}
	if w.ftsTo > 0 {
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO messages_fts (rowid, body)
			SELECT id, body FROM messages WHERE id BETWEEN ? AND ? AND visible = 1 AND body != ''`, w.ftsFrom, w.ftsTo); err != nil {
			return err
		}
		w.ftsFrom, w.ftsTo = 0, 0
	}
	return nil
}

// clean makes text safe to store: valid UTF-8 and no NUL bytes.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	return s
}

func dedupeKey(in Inbound, e164, senderKey string) []byte {
	h := sha256.New()
	if in.SourceID != "" {
		h.Write([]byte("id\x00" + in.Source + "\x00" + in.SourceID))
	} else {
		at := in.SentAt
		if at.IsZero() {
			at = in.ReceivedAt
		}
		h.Write([]byte("content\x00" + e164 + "\x00" + senderKey + "\x00" + in.Body + "\x00" + string(in.Binary) + "\x00" + at.UTC().Format(time.RFC3339Nano)))
	}
	return h.Sum(nil)[:16]
}

func (w *writer) number(ctx context.Context, e164, country string) (numberRow, error) {
	if n, ok := w.numbers[e164]; ok {
		return n, nil
	}
	if w.cached {
		if n, ok := w.s.rows.number(e164); ok {
			w.numbers[e164] = n
			return n, nil
		}
	}
	n, err := w.ensureNumber(ctx, e164, country)
	if err != nil {
		return numberRow{}, err
	}
	w.numbers[e164] = n
	return n, nil
}

func (w *writer) ensureNumber(ctx context.Context, e164, country string) (numberRow, error) {
	n := numberRow{e164: e164, country: country}
	err := w.tx.QueryRowContext(ctx, `SELECT id, status FROM numbers WHERE e164 = ?`, e164).Scan(&n.id, &n.status)
	if err == nil {
		return n, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return n, err
	}
	n.status = StatusPending
	if w.s.opts.AutoAddNumbers {
		n.status = StatusActive
	}
	err = w.tx.QueryRowContext(ctx, `INSERT INTO numbers (e164, country, status, added_at) VALUES (?, ?, ?, ?) RETURNING id`,
		e164, country, n.status, ms(w.s.now())).Scan(&n.id)
	return n, err
}

func (w *writer) sender(ctx context.Context, key, display string, at int64) (senderRow, error) {
	if r, ok := w.senders[key]; ok {
		return r, nil
	}
	if w.cached {
		if r, ok := w.s.rows.sender(key); ok {
			w.senders[key] = r
			return r, nil
		}
	}
	var r senderRow
	var err error
	if w.s.pg == nil {
		// A new sender is the common case here: a known one is in the cache.
		var inserted bool
		if r.id, inserted, err = w.insertIgnore(ctx, `INSERT INTO senders (key, display, first_seen) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`,
			key, display, at); err != nil || inserted {
			w.senders[key] = r
			return r, err
		}
	}
	sel, err := w.stmt(ctx, `SELECT id, blocked FROM senders WHERE key = ?`)
	if err != nil {
		return r, err
	}
	err = sel.QueryRowContext(ctx, key).Scan(&r.id, &r.blocked)
	if errors.Is(err, sql.ErrNoRows) {
		var ins *sql.Stmt
		if ins, err = w.stmt(ctx, `INSERT INTO senders (key, display, first_seen) VALUES (?, ?, ?) RETURNING id`); err != nil {
			return r, err
		}
		err = ins.QueryRowContext(ctx, key, display, at).Scan(&r.id)
	}
	if err != nil {
		return r, err
	}
	w.senders[key] = r
	return r, nil
}

// insertIgnore runs an INSERT ... ON CONFLICT DO NOTHING on SQLite and
// tells the new row's id when it stored one. It needs no result set,
// which costs more than the insert itself.
func (w *writer) insertIgnore(ctx context.Context, q string, args ...any) (id int64, inserted bool, err error) {
	st, err := w.stmt(ctx, q)
	if err != nil {
		return 0, false, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n != 1 {
		return 0, false, err
	}
	id, err = res.LastInsertId()
	return id, err == nil, err
}

// prepared is an Inbound checked and analysed: everything about it that
// needs no database, worked out before the write transaction begins.
type prepared struct {
	in      Inbound
	e164    string
	country string
	key     string
	display string
	shape   otp.Shape
	dedupe  []byte
	err     error
}

// prepare checks and analyses one message. It is pure, so batches run it in
// parallel outside the writer's transaction.
func (s *Store) prepare(in Inbound) prepared {
	in.Body = clean(in.Body)
	in.From = strings.TrimSpace(clean(in.From))
	fail := func(err error) prepared { return prepared{err: err} }
	if len(in.Body) > MaxBodyBytes {
		return fail(Errorf(KindInvalid, "the message body is longer than %d bytes", MaxBodyBytes))
	}
	if in.From == "" {
		return fail(Errorf(KindInvalid, "the message has no sender"))
	}
	if len(in.From) > MaxSenderBytes {
		return fail(Errorf(KindInvalid, "the sender is longer than %d bytes", MaxSenderBytes))
	}
	if in.Body == "" && len(in.Binary) == 0 {
		return fail(Errorf(KindInvalid, "the message has no text"))
	}
	if strings.TrimSpace(in.To) == "" {
		return fail(Errorf(KindInvalid, "the message has no receiving number"))
	}
	if in.Source == "" {
		in.Source = "import"
	}
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = s.now()
	}
	if in.Parts <= 0 {
		in.Parts = 1
	}
	p := prepared{in: in}
	var err error
	if p.e164, p.country, err = s.parsed.number(in.To); err != nil {
		return fail(&Error{Kind: KindInvalid, Message: err.Error()})
	}
	if p.key, p.display, err = s.parsed.senderKey(in.From, p.country); err != nil {
		return fail(&Error{Kind: KindInvalid, Message: err.Error()})
	}
	if len(in.Binary) == 0 {
		p.shape = otp.Analyze(in.Body)
	}
	p.dedupe = dedupeKey(in, p.e164, p.key)
	return p
}

// prepareAll prepares a batch, in parallel when it is large.
func (s *Store) prepareAll(ins []Inbound) []prepared {
	out := make([]prepared, len(ins))
	workers := runtime.GOMAXPROCS(0)
	if len(ins) < 32 || workers < 2 {
		for i, in := range ins {
			out[i] = s.prepare(in)
		}
		return out
	}
	var wg sync.WaitGroup
	chunk := (len(ins) + workers - 1) / workers
	for lo := 0; lo < len(ins); lo += chunk {
		hi := min(lo+chunk, len(ins))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				out[i] = s.prepare(ins[i])
			}
		}()
	}
	wg.Wait()
	return out
}

func (w *writer) insert(ctx context.Context, in Inbound) (Result, error) {
	return w.insertPrepared(ctx, w.s.prepare(in))
}

func (w *writer) insertPrepared(ctx context.Context, p prepared) (Result, error) {
	if p.err != nil {
		return Result{}, p.err
	}
	in, shape, dedupe := p.in, p.shape, p.dedupe
	now := w.s.now()
	num, err := w.number(ctx, p.e164, p.country)
	if err != nil {
		return Result{}, err
	}
	received := ms(in.ReceivedAt)
	snd, err := w.sender(ctx, p.key, p.display, received)
	if err != nil {
		return Result{}, err
	}
	var templateID int64
	if len(in.Binary) == 0 {
		if templateID, err = w.template(ctx, snd.id, shape); err != nil {
			return Result{}, err
		}
	}
	hidden := snd.blocked
	hiddenBy := ""
	if hidden {
		hiddenBy = "blocked sender"
	}
	pub := num.status != StatusPending
	visible := pub && !hidden
	const insertMessage = `INSERT INTO messages (number_id, sender_id, country, sender_raw, body, "binary", sent_at, received_at, stored_at,
			source, source_id, dedupe, code, template_id, parts, incomplete, hidden, hidden_by, visible)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING`
	args := []any{num.id, snd.id, num.country, in.From, in.Body, nullBytes(in.Binary), ms(in.SentAt), received, ms(now),
		in.Source, in.SourceID, dedupe, shape.Code, templateID, in.Parts, in.Incomplete, hidden, hiddenBy, visible}
	var id int64
	var stored bool
	if w.s.pg != nil {
		ins, err := w.stmt(ctx, insertMessage+` RETURNING id`)
		if err != nil {
			return Result{}, err
		}
		err = ins.QueryRowContext(ctx, args...).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Result{}, err
		}
		stored = err == nil
	} else {
		// SQLite tells the new row's id without a result set to step.
		ins, err := w.stmt(ctx, insertMessage)
		if err != nil {
			return Result{}, err
		}
		res, err := ins.ExecContext(ctx, args...)
		if err != nil {
			return Result{}, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return Result{}, err
		}
		if stored = n == 1; stored {
			if id, err = res.LastInsertId(); err != nil {
				return Result{}, err
			}
		}
	}
	if !stored {
		var published bool
		err = w.tx.QueryRowContext(ctx, `SELECT m.id, n.status != 'pending' FROM messages m JOIN numbers n ON n.id = m.number_id WHERE m.dedupe = ?`, dedupe).Scan(&id, &published)
		if err != nil {
			return Result{}, err
		}
		return Result{ID: id, Duplicate: true, Published: published}, nil
	}
	if visible {
		f := facts{id: id, number: num.id, sender: snd.id, template: templateID, sentAt: ms(in.SentAt), receivedAt: received}
		w.counts.add(f, +1)
		switch {
		case in.Body == "":
		case w.s.d == postgresDialect:
			w.ftsIDs = append(w.ftsIDs, id)
			w.ftsDocs = append(w.ftsDocs, searchText(in.Body))
		default:
			if w.ftsFrom == 0 {
				w.ftsFrom = id
			}
			w.ftsTo = id
		}
	}
	return Result{ID: id, Published: pub}, nil
}

func (w *writer) template(ctx context.Context, senderID int64, shape otp.Shape) (int64, error) {
	k := templateKey{senderID, shape.Template}
	if id, ok := w.templates[k]; ok {
		return id, nil
	}
	if w.cached {
		if id, ok := w.s.rows.template(k); ok {
			w.templates[k] = id
			return id, nil
		}
	}
	const insert = `INSERT INTO templates (sender_id, template, code_length, alphabet, language) VALUES (?, ?, ?, ?, ?)`
	args := []any{senderID, shape.Template, shape.CodeLength, shape.Alphabet, shape.Language}
	if w.s.pg == nil {
		id, inserted, err := w.insertIgnore(ctx, insert+` ON CONFLICT (sender_id, template) DO NOTHING`, args...)
		if err != nil {
			return 0, err
		}
		if !inserted {
			sel, err := w.stmt(ctx, `SELECT id FROM templates WHERE sender_id = ? AND template = ?`)
			if err != nil {
				return 0, err
			}
			if err := sel.QueryRowContext(ctx, senderID, shape.Template).Scan(&id); err != nil {
				return 0, err
			}
		}
		w.templates[k] = id
		return id, nil
	}
	st, err := w.stmt(ctx, insert+` ON CONFLICT (sender_id, template) DO UPDATE SET code_length = templates.code_length RETURNING id`)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := st.QueryRowContext(ctx, args...).Scan(&id); err != nil {
		return 0, err
	}
	w.templates[k] = id
	return id, nil
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// number parses a receiving number, remembering the answer.
func (c *parseCache) number(raw string) (e164, country string, err error) {
	k := [2]string{raw, "\x00number"}
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v[0], v[1], nil
	}
	if e164, country, err = phone.ParseNumber(raw); err != nil {
		return "", "", err
	}
	c.put(k, e164, country)
	return e164, country, nil
}

func (c *parseCache) put(k [2]string, a, b string) {
	c.mu.Lock()
	if c.m == nil || len(c.m) > 100000 {
		c.m = map[[2]string][2]string{}
	}
	c.m[k] = [2]string{a, b}
	c.mu.Unlock()
}

// parseCache remembers parsed numbers and sender keys: numeric senders take a phone number
// parse each, and the same few senders send most messages.
type parseCache struct {
	mu sync.Mutex
	m  map[[2]string][2]string
}

func (c *parseCache) senderKey(raw, region string) (key, display string, err error) {
	k := [2]string{raw, region}
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v[0], v[1], nil
	}
	key, display, _, err = phone.SenderKey(raw, region)
	if err != nil {
		return "", "", err
	}
	c.put(k, key, display)
	return key, display, nil
}
