package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
)

// GapMarker stands in the text of a multi-part message for each part that
// never arrived.
const GapMarker = "[…]"

// maxParts bounds the parts a multi-part message may announce.
const maxParts = 255

// AddPart keeps one piece of a multi-part message. When it completes its
// message, the whole message is stored in the same transaction and
// complete is true. Parts are keyed by source, receiving number, sender,
// reference, reference size and total; the service centre plays no part,
// since one message's parts may come through different ones.
func (s *Store) AddPart(ctx context.Context, p Part) (res Result, complete bool, err error) {
	if p.Total < 1 || p.Total > maxParts || p.Seq < 1 || p.Seq > p.Total {
		return Result{}, false, Errorf(KindInvalid, "part %d of %d is not a valid multi-part position", p.Seq, p.Total)
	}
	if p.Total == 1 {
		in := p.Inbound
		if len(in.Binary) == 0 {
			in.Body = partText(p)
		}
		in.Parts = 1
		r, err := s.Insert(ctx, in)
		return r, err == nil, err
	}
	if p.ReceivedAt.IsZero() {
		p.ReceivedAt = s.now()
	}
	if p.Source == "" {
		p.Source = "import"
	}
	var last int64
	err = s.tx(ctx, func(tx *sql.Tx) error {
		// A part sent again after its message was stored (our answer was
		// lost, or the modem kept it) is a duplicate of that message.
		if p.SourceID != "" {
			var id int64
			var published bool
			err := tx.QueryRowContext(ctx, `SELECT d.message_id, coalesce((SELECT n.status != 'pending' FROM messages m JOIN numbers n ON n.id = m.number_id WHERE m.id = d.message_id), false)
				FROM parts_done d WHERE d.source = ? AND d.source_id = ?`, p.Source, p.SourceID).Scan(&id, &published)
			if err == nil {
				res, complete = Result{ID: id, Duplicate: true, Published: published}, true
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		key := partGroup(p)
		_, err := tx.ExecContext(ctx, `INSERT INTO parts (group_key, seq, total, to_number, sender_raw, source, source_id, text, ucs2, data, sent_at, received_at, first_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (group_key, seq) DO NOTHING`,
			key, p.Seq, p.Total, p.To, clean(p.From), p.Source, p.SourceID, clean(p.Text), nullBytes(p.UCS2), nullBytes(p.Binary), ms(p.SentAt), ms(p.ReceivedAt), ms(s.now()))
		if err != nil {
			return err
		}
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM parts WHERE group_key = ?`, key).Scan(&have); err != nil {
			return err
		}
		if have < p.Total {
			return nil
		}
		r, err := s.assemble(ctx, tx, key, false)
		if err != nil {
			return err
		}
		res, complete = r, true
		if !r.Duplicate {
			last = r.ID
		}
		return s.announce(ctx, tx, last)
	})
	if err != nil {
		return Result{}, false, err
	}
	if last > 0 {
		s.notify(last)
	}
	return res, complete, nil
}

func partGroup(p Part) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%d\x00%d", p.Source, p.To, p.From, p.Ref, p.RefBits, p.Total)))
	return hex.EncodeToString(h[:16])
}

func partText(p Part) string {
	if len(p.UCS2) > 0 {
		return decodeUCS2(p.UCS2)
	}
	return p.Text
}

// decodeUCS2 reads big-endian UTF-16; a lone surrogate becomes U+FFFD.
func decodeUCS2(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return string(utf16.Decode(u))
}

// assemble stores the message made of the parts of one group and deletes
// them. Missing parts (when incomplete) become GapMarker.
func (s *Store) assemble(ctx context.Context, tx *sql.Tx, key string, incomplete bool) (Result, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, total, to_number, sender_raw, source, source_id, text, ucs2, data, sent_at, received_at
		FROM parts WHERE group_key = ? ORDER BY seq`, key)
	if err != nil {
		return Result{}, err
	}
	var in Inbound
	var b strings.Builder
	var pending []byte // UCS-2 bytes of consecutive parts, decoded together
	flush := func() {
		if len(pending) > 0 {
			b.WriteString(decodeUCS2(pending))
			pending = nil
		}
	}
	var sourceIDs []string
	var binary []byte // binary parts are joined as they are
	next, total := 1, 0
	var firstSent, lastRecv int64
	for rows.Next() {
		var seq int
		var text, sourceID string
		var ucs2, data []byte
		var sent, recv int64
		if err := rows.Scan(&seq, &total, &in.To, &in.From, &in.Source, &sourceID, &text, &ucs2, &data, &sent, &recv); err != nil {
			rows.Close()
			return Result{}, err
		}
		for ; next < seq; next++ {
			flush()
			b.WriteString(GapMarker)
		}
		next = seq + 1
		if sourceID != "" {
			sourceIDs = append(sourceIDs, sourceID)
		}
		binary = append(binary, data...)
		if len(ucs2) > 0 {
			pending = append(pending, ucs2...)
		} else {
			flush()
			b.WriteString(text)
		}
		if firstSent == 0 || (sent != 0 && sent < firstSent) {
			firstSent = sent
		}
		if recv > lastRecv {
			lastRecv = recv
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Result{}, err
	}
	flush()
	for ; next <= total; next++ {
		b.WriteString(GapMarker)
	}
	in.Body = b.String()
	if len(binary) > 0 {
		in.Body, in.Binary = "", binary
	}
	in.SentAt = fromMS(firstSent)
	in.ReceivedAt = fromMS(lastRecv)
	in.Parts = total
	in.Incomplete = incomplete
	// The whole message dedupes on its content: references are reused, so
	// the group key cannot tell two messages apart.
	in.SourceID = ""
	if _, err := tx.ExecContext(ctx, `DELETE FROM parts WHERE group_key = ?`, key); err != nil {
		return Result{}, err
	}
	w := newWriter(tx, s)
	r, err := w.insert(ctx, in)
	if err != nil {
		return r, err
	}
	for _, id := range sourceIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO parts_done (source, source_id, message_id, done_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (source, source_id) DO NOTHING`, in.Source, id, r.ID, ms(s.now())); err != nil {
			return r, err
		}
	}
	return r, w.finish(ctx)
}

// FlushParts publishes, with a gap marker for each missing part, every
// multi-part message whose first part arrived more than olderThan ago.
func (s *Store) FlushParts(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := ms(s.now().Add(-olderThan))
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT group_key FROM parts WHERE first_at <= ?`, cutoff)
	if err != nil {
		return 0, err
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return 0, err
		}
		keys = append(keys, k)
	}
	rows.Close()
	done := 0
	var last int64
	for _, k := range keys {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			r, err := s.assemble(ctx, tx, k, true)
			if err != nil {
				if KindOf(err) == KindInvalid {
					// A group that can never make a message is dropped.
					_, err = tx.ExecContext(ctx, `DELETE FROM parts WHERE group_key = ?`, k)
				}
				return err
			}
			if !r.Duplicate && r.ID > last {
				last = r.ID
				return s.announce(ctx, tx, r.ID)
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		done++
	}
	if last > 0 {
		s.notify(last)
	}
	if _, err := s.write.ExecContext(ctx, `DELETE FROM parts_done WHERE done_at < ?`, ms(s.now().Add(-partsMemory))); err != nil {
		return done, err
	}
	return done, nil
}

// partsMemory is how long the ids of parts that became a message are kept
// to recognise a part sent again.
const partsMemory = 7 * 24 * time.Hour

// PendingParts is how many parts wait for the rest of their message.
func (s *Store) PendingParts(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM parts`).Scan(&n)
	return n, err
}

// RunPartsFlusher calls FlushParts with timeout until ctx ends, every tenth
// of the timeout (at least a second, at most a minute), and tells report
// what each round published or what failed.
func (s *Store) RunPartsFlusher(ctx context.Context, timeout time.Duration, report func(published int, err error)) {
	t := time.NewTicker(min(max(timeout/10, time.Second), time.Minute))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := s.FlushParts(ctx, timeout)
		if ctx.Err() != nil {
			return
		}
		if err != nil || n > 0 {
			report(n, err)
		}
	}
}
