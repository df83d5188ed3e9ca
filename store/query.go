package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// Listing limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ClampLimit maps a requested page size into 1..MaxLimit, DefaultLimit for 0.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

const messageColumns = `m.id, m.number_id, n.e164, m.country, m.sender_raw, s.key, s.display, m.body, m."binary",
	m.sent_at, m.received_at, m.stored_at, m.source, m.source_id, m.code, coalesce(t.template, ''),
	m.hidden, n.status != 'pending', m.parts, m.incomplete`

const messageJoins = ` FROM messages m
	JOIN numbers n ON n.id = m.number_id
	JOIN senders s ON s.id = m.sender_id
	LEFT JOIN templates t ON t.id = m.template_id`

func scanMessages(rows *sql.Rows) ([]Message, error) {
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var sent, recv, stored int64
		if err := rows.Scan(&m.ID, &m.NumberID, &m.Number, &m.Country, &m.From, &m.SenderKey, &m.SenderDisplay, &m.Body, &m.Binary,
			&sent, &recv, &stored, &m.Source, &m.SourceID, &m.Code, &m.Template, &m.Hidden, &m.Published, &m.Parts, &m.Incomplete); err != nil {
			return nil, err
		}
		m.SentAt, m.ReceivedAt, m.StoredAt = fromMS(sent), fromMS(recv), fromMS(stored)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Messages lists published, visible messages newest first (by received
// time, ties by id), narrowed by f. Every shape of filter reads one index.
func (s *Store) Messages(ctx context.Context, f Filter) ([]Message, error) {
	q, args, err := s.messagesQuery(ctx, f)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanMessages(rows)
}

func (s *Store) messagesQuery(ctx context.Context, f Filter) (string, []any, error) {
	limit := ClampLimit(f.Limit)
	var where []string
	var args []any
	where = append(where, "m.visible = 1")
	// With After, the few newest rows are found by id range and sorted;
	// otherwise the partial index of the listing is walked from its top.
	col := func(c string) string {
		if f.After > 0 {
			return s.d.noIndex(c)
		}
		return c
	}
	switch {
	case f.NumberID != 0:
		where = append(where, col("m.number_id")+" = ?")
		args = append(args, f.NumberID)
		if f.SenderKey != "" {
			where = append(where, "m.sender_id = (SELECT id FROM senders WHERE key = ?)")
			args = append(args, f.SenderKey)
		}
	case f.SenderKey != "":
		where = append(where, col("m.sender_id")+" = (SELECT id FROM senders WHERE key = ?)")
		args = append(args, f.SenderKey)
	case f.Country != "":
		where = append(where, col("m.country")+" = ?")
		args = append(args, strings.ToUpper(f.Country))
	}
	if f.After > 0 {
		where = append(where, "m.id > ?")
		args = append(args, f.After)
	}
	if f.Before > 0 {
		var at int64
		err := s.read.QueryRowContext(ctx, `SELECT received_at FROM messages WHERE id = ?`, f.Before).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, Errorf(KindInvalid, "there is no message %d to continue from", f.Before)
		}
		if err != nil {
			return "", nil, err
		}
		where = append(where, "(m.received_at, m.id) < (?, ?)")
		args = append(args, at, f.Before)
	}
	q := `SELECT ` + messageColumns + messageJoins + ` WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY m.received_at DESC, m.id DESC LIMIT ?`
	args = append(args, limit)
	return q, args, nil
}

// MessagesAfter lists visible messages with an id greater than after, in
// storing order, at most limit of them. Live updates read it.
func (s *Store) MessagesAfter(ctx context.Context, after int64, limit int) ([]Message, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+messageColumns+messageJoins+` WHERE m.id > ? AND m.visible = 1 ORDER BY m.id LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	return scanMessages(rows)
}

// LastID is the greatest message id stored, visible or not. It costs one
// index lookup, so processes can poll it to learn of new messages.
func (s *Store) LastID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT max(id) FROM messages`).Scan(&id)
	return id.Int64, err
}

// Message returns one published, visible message.
func (s *Store) Message(ctx context.Context, id int64) (Message, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+messageColumns+messageJoins+` WHERE m.id = ? AND m.visible = 1`, id)
	if err != nil {
		return Message{}, err
	}
	ms, err := scanMessages(rows)
	if err != nil {
		return Message{}, err
	}
	if len(ms) == 0 {
		return Message{}, Errorf(KindNotFound, "there is no message %d", id)
	}
	return ms[0], nil
}

// Export calls fn for every message oldest first: published, visible ones,
// or all of them when all is set.
func (s *Store) Export(ctx context.Context, all bool, fn func(Message) error) error {
	var after int64
	for {
		cond := "m.visible = 1"
		if all {
			cond = "1 = 1"
		}
		rows, err := s.read.QueryContext(ctx, `SELECT `+messageColumns+messageJoins+` WHERE m.id > ? AND `+cond+` ORDER BY m.id LIMIT 1000`, after)
		if err != nil {
			return err
		}
		batch, err := scanMessages(rows)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, m := range batch {
			if err := fn(m); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].ID
	}
}

const numberColumns = `id, e164, country, label, status, added_at, last_message_at, messages`

func scanNumbers(rows *sql.Rows) ([]Number, error) {
	defer rows.Close()
	var out []Number
	for rows.Next() {
		var n Number
		var added, last int64
		if err := rows.Scan(&n.ID, &n.E164, &n.Country, &n.Label, &n.Status, &added, &last, &n.Messages); err != nil {
			return nil, err
		}
		n.AddedAt, n.LastMessageAt = fromMS(added), fromMS(last)
		out = append(out, n)
	}
	return out, rows.Err()
}

// Number finds a number by its E.164 form, with or without "+". Pending
// numbers are found too; callers publish only Published ones.
func (s *Store) Number(ctx context.Context, e164 string) (Number, error) {
	e164 = strings.TrimSpace(e164)
	if !strings.HasPrefix(e164, "+") {
		e164 = "+" + e164
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+numberColumns+` FROM numbers WHERE e164 = ?`, e164)
	if err != nil {
		return Number{}, err
	}
	ns, err := scanNumbers(rows)
	if err != nil {
		return Number{}, err
	}
	if len(ns) == 0 {
		return Number{}, Errorf(KindNotFound, "there is no number %s", e164)
	}
	return ns[0], nil
}

// NumberFilter narrows Numbers.
type NumberFilter struct {
	Country string // ISO alpha-2, any case
	Status  string // "" for active and retired; "all" adds pending ones
}

// Numbers lists numbers, most recently active first.
func (s *Store) Numbers(ctx context.Context, f NumberFilter) ([]Number, error) {
	var where []string
	var args []any
	switch f.Status {
	case "":
		where = append(where, "status IN ('active', 'retired')")
	case "all":
	default:
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	if f.Country != "" {
		where = append(where, "country = ?")
		args = append(args, strings.ToUpper(f.Country))
	}
	q := `SELECT ` + numberColumns + ` FROM numbers`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY status = 'retired', last_message_at DESC, id`
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanNumbers(rows)
}

// Countries lists the countries with active numbers, with their counts.
// The numbers table is small (one row a SIM or rented number), so this
// reads it whole rather than the messages.
func (s *Store) Countries(ctx context.Context) ([]Country, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT country, CAST(sum(CASE WHEN status = 'active' THEN 1 ELSE 0 END) AS BIGINT), CAST(sum(messages) AS BIGINT), max(last_message_at)
		FROM numbers WHERE status IN ('active', 'retired') GROUP BY country HAVING sum(CASE WHEN status = 'active' THEN 1 ELSE 0 END) > 0 ORDER BY country`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Country
	for rows.Next() {
		var c Country
		var last int64
		if err := rows.Scan(&c.Code, &c.Numbers, &c.Messages, &last); err != nil {
			return nil, err
		}
		c.LastMessageAt = fromMS(last)
		out = append(out, c)
	}
	return out, rows.Err()
}

const senderColumns = `id, key, display, messages, first_seen, last_seen, blocked`

func scanSenders(rows *sql.Rows) ([]Sender, error) {
	defer rows.Close()
	var out []Sender
	for rows.Next() {
		var sd Sender
		var first, last int64
		if err := rows.Scan(&sd.ID, &sd.Key, &sd.Display, &sd.Messages, &first, &last, &sd.Blocked); err != nil {
			return nil, err
		}
		sd.FirstSeen, sd.LastSeen = fromMS(first), fromMS(last)
		out = append(out, sd)
	}
	return out, rows.Err()
}

// Sender finds a sender by key. A sender whose messages are all hidden or
// unpublished is not found.
func (s *Store) Sender(ctx context.Context, key string) (Sender, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+senderColumns+` FROM senders WHERE key = ?`, key)
	if err != nil {
		return Sender{}, err
	}
	ss, err := scanSenders(rows)
	if err != nil {
		return Sender{}, err
	}
	if len(ss) == 0 || ss[0].Messages == 0 {
		return Sender{}, Errorf(KindNotFound, "there is no sender %q", key)
	}
	return ss[0], nil
}

// SenderFilter narrows Senders.
type SenderFilter struct {
	Query string // prefix of the key, any case
	Sort  string // "recent" (default) or "messages"
	After *Sender
	Limit int
}

// Senders lists senders with published messages, most recently active (or
// busiest) first. Continue a listing by passing its last sender as After.
func (s *Store) Senders(ctx context.Context, f SenderFilter) ([]Sender, error) {
	limit := ClampLimit(f.Limit)
	where := []string{"messages > 0"}
	var args []any
	if q := searchKey(f.Query); q != "" {
		where = append(where, "key >= ? AND key < ?")
		args = append(args, q, q+"\U0010FFFF")
	}
	order := "last_seen DESC, id DESC"
	if f.Sort == "messages" {
		order = "messages DESC, id DESC"
		if f.After != nil {
			where = append(where, "(messages, id) < (?, ?)")
			args = append(args, f.After.Messages, f.After.ID)
		}
	} else if f.After != nil {
		where = append(where, "(last_seen, id) < (?, ?)")
		args = append(args, ms(f.After.LastSeen), f.After.ID)
	}
	q := `SELECT ` + senderColumns + ` FROM senders WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order + ` LIMIT ?`
	args = append(args, limit)
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanSenders(rows)
}

// searchKey turns what a visitor typed to find a sender into the prefix of
// sender keys it matches: lower case, "+" and spaces of numbers dropped.
func searchKey(q string) string {
	q = strings.ToLower(strings.TrimSpace(q))
	var b strings.Builder
	digitsOnly := true
	for _, r := range q {
		if !(r >= '0' && r <= '9') && r != '+' && r != ' ' && r != '-' && r != '(' && r != ')' {
			digitsOnly = false
		}
	}
	for _, r := range q {
		switch {
		case digitsOnly && (r < '0' || r > '9'):
			continue
		case r == ' ' || r == '_' || r == '.':
			b.WriteByte('-')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// AllSenders calls fn for every sender with published messages, by key,
// for sitemaps.
func (s *Store) AllSenders(ctx context.Context, fn func(Sender) error) error {
	after := ""
	for {
		rows, err := s.read.QueryContext(ctx, `SELECT `+senderColumns+` FROM senders WHERE key > ? AND messages > 0 ORDER BY key LIMIT 1000`, after)
		if err != nil {
			return err
		}
		batch, err := scanSenders(rows)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, sd := range batch {
			if err := fn(sd); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].Key
	}
}

// SenderCount is how many senders have published messages.
func (s *Store) SenderCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM senders WHERE messages > 0`).Scan(&n)
	return n, err
}
