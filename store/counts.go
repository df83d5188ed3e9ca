package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"
)

// facts are what the kept counts need to know of one message.
type facts struct {
	id, number, sender, template int64
	sentAt, receivedAt           int64
}

// counts gathers the changes that visible messages make to the kept counts
// (a number's and a sender's messages, formats, delays, numbers reached)
// during one transaction, and writes them once at its end.
type counts struct {
	numbers       map[int64]*countDelta
	senders       map[int64]*countDelta
	templates     map[int64]*countDelta
	senderNumbers map[[2]int64]*countDelta
	delays        map[[2]int64]int64
	removed       map[int64][]int64 // template -> ids of removed messages
}

type countDelta struct {
	delta       int64
	first, last int64 // received times
	example     int64
	sender      int64
}

func newCounts() *counts {
	return &counts{
		numbers:       map[int64]*countDelta{},
		senders:       map[int64]*countDelta{},
		templates:     map[int64]*countDelta{},
		senderNumbers: map[[2]int64]*countDelta{},
		delays:        map[[2]int64]int64{},
		removed:       map[int64][]int64{},
	}
}

func bump[K comparable](m map[K]*countDelta, k K, delta int64, at int64) *countDelta {
	d := m[k]
	if d == nil {
		d = &countDelta{first: at, last: at}
		m[k] = d
	}
	d.delta += delta
	d.first = min(d.first, at)
	d.last = max(d.last, at)
	return d
}

func (c *counts) add(f facts, delta int64) {
	bump(c.numbers, f.number, delta, f.receivedAt)
	bump(c.senders, f.sender, delta, f.receivedAt)
	bump(c.senderNumbers, [2]int64{f.sender, f.number}, delta, f.receivedAt)
	if f.template != 0 {
		d := bump(c.templates, f.template, delta, f.receivedAt)
		d.sender = f.sender
		if delta > 0 {
			d.example = max(d.example, f.id)
		} else {
			c.removed[f.template] = append(c.removed[f.template], f.id)
		}
	}
	if f.sentAt != 0 {
		b := delayBucket(time.Duration(f.receivedAt-f.sentAt) * time.Millisecond)
		c.delays[[2]int64{f.sender, b}] += delta
	}
}

func (c *counts) flush(ctx context.Context, tx *sql.Tx, d dialect) error {
	mx, mn := d.greatest(), d.least()
	stmts := map[string]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	exec := func(q string, args ...any) error {
		st, ok := stmts[q]
		if !ok {
			var err error
			if st, err = tx.PrepareContext(ctx, q); err != nil {
				return err
			}
			stmts[q] = st
		}
		_, err := st.ExecContext(ctx, args...)
		return err
	}
	// Keys are written in order, so that consecutive statements find their
	// rows on the same or neighbouring pages.
	for _, id := range sortedKeys(c.numbers) {
		d := c.numbers[id]
		if err := exec(`UPDATE numbers SET messages = `+mx+`(messages + ?, 0), last_message_at = `+mx+`(last_message_at, ?) WHERE id = ?`, d.delta, growing(d), id); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(c.senders) {
		d := c.senders[id]
		if d.delta > 0 {
			if err := exec(`UPDATE senders SET messages = messages + ?, last_seen = `+mx+`(last_seen, ?), first_seen = `+mn+`(first_seen, ?) WHERE id = ?`, d.delta, d.last, d.first, id); err != nil {
				return err
			}
		} else if err := exec(`UPDATE senders SET messages = `+mx+`(messages + ?, 0) WHERE id = ?`, d.delta, id); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(c.templates) {
		d := c.templates[id]
		if err := exec(`UPDATE templates SET messages = `+mx+`(messages + ?, 0), example_id = `+mx+`(example_id, ?) WHERE id = ?`, d.delta, d.example, id); err != nil {
			return err
		}
	}
	for tmpl, ids := range c.removed {
		// Point the format's example at another visible message.
		for _, id := range ids {
			if err := exec(`UPDATE templates SET example_id = coalesce((SELECT m.id FROM messages m
				WHERE m.sender_id = templates.sender_id AND m.template_id = templates.id AND m.visible = 1 AND m.id != ?
				ORDER BY m.received_at DESC, m.id DESC LIMIT 1), 0) WHERE id = ? AND example_id = ?`, id, tmpl, id); err != nil {
				return err
			}
		}
	}
	for _, k := range sortedPairs(c.senderNumbers) {
		d := c.senderNumbers[k]
		if err := exec(`INSERT INTO sender_numbers (sender_id, number_id, messages, last_at) VALUES (?, ?, `+mx+`(?, 0), ?)
			ON CONFLICT (sender_id, number_id) DO UPDATE SET messages = `+mx+`(sender_numbers.messages + ?, 0), last_at = `+mx+`(sender_numbers.last_at, excluded.last_at)`,
			k[0], k[1], d.delta, growing(d), d.delta); err != nil {
			return err
		}
	}
	if len(c.senderNumbers) > 0 {
		for k, d := range c.senderNumbers {
			if d.delta < 0 {
				if err := exec(`DELETE FROM sender_numbers WHERE sender_id = ? AND number_id = ? AND messages = 0`, k[0], k[1]); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range sortedPairs(c.delays) {
		delta := c.delays[k]
		if err := exec(`INSERT INTO sender_delays (sender_id, bucket, messages) VALUES (?, ?, `+mx+`(?, 0))
			ON CONFLICT (sender_id, bucket) DO UPDATE SET messages = `+mx+`(sender_delays.messages + ?, 0)`, k[0], k[1], delta, delta); err != nil {
			return err
		}
	}
	*c = *newCounts()
	return nil
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortedPairs[V any](m map[[2]int64]V) [][2]int64 {
	keys := make([][2]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]int64) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	return keys
}

// growing is the newest time a delta brings, 0 when it only removes.
func growing(d *countDelta) int64 {
	if d.delta > 0 {
		return d.last
	}
	return 0
}

// delayBucket maps a delivery delay to its histogram bucket: tenths of a
// second below 10 s, whole seconds below 10 minutes, then whole minutes up
// to a day, so that a sender has at most about 2,100 buckets however many
// messages it sent.
func delayBucket(d time.Duration) int64 {
	switch {
	case d < 0:
		return 0
	case d < 10*time.Second:
		return int64(d / (100 * time.Millisecond))
	case d < 10*time.Minute:
		return 100 + int64(d/time.Second)
	}
	return 1000 + min(int64(d/time.Minute), 24*60)
}

// bucketSeconds is the delay a bucket stands for.
func bucketSeconds(b int64) float64 {
	switch {
	case b < 100:
		return float64(b) / 10
	case b < 1000:
		return float64(b - 100)
	}
	return float64(b-1000) * 60
}

// applyVisible adds (delta +1) or removes (delta -1) one stored message from
// the kept counts and the search index. The caller sets its visible flag.
func (s *Store) applyVisible(ctx context.Context, tx *sql.Tx, id int64, delta int64) error {
	var f facts
	var body string
	err := tx.QueryRowContext(ctx, `SELECT id, number_id, sender_id, template_id, sent_at, received_at, body FROM messages WHERE id = ?`, id).
		Scan(&f.id, &f.number, &f.sender, &f.template, &f.sentAt, &f.receivedAt, &body)
	if err != nil {
		return err
	}
	c := newCounts()
	c.add(f, delta)
	if err := c.flush(ctx, tx, s.d); err != nil {
		return err
	}
	if body == "" {
		return nil
	}
	switch {
	case s.d == postgresDialect && delta > 0:
		_, err = tx.ExecContext(ctx, `INSERT INTO messages_fts (id, doc) VALUES (?, to_tsvector('simple', ?)) ON CONFLICT (id) DO NOTHING`, id, searchText(body))
	case s.d == postgresDialect:
		_, err = tx.ExecContext(ctx, `DELETE FROM messages_fts WHERE id = ?`, id)
	case delta > 0:
		_, err = tx.ExecContext(ctx, `INSERT INTO messages_fts (rowid, body) VALUES (?, ?)`, id, body)
	default:
		_, err = tx.ExecContext(ctx, `DELETE FROM messages_fts WHERE rowid = ?`, id)
	}
	return err
}
