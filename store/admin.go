package store

import (
	"context"
	"database/sql"
	"errors"

	"smsinbox/store/phone"
)

// AddNumber publishes a number: a new one is created active, a pending one
// (which already received messages) becomes active and shows its history.
func (s *Store) AddNumber(ctx context.Context, actor, raw, label string) (Number, error) {
	e164, country, err := phone.ParseNumber(raw)
	if err != nil {
		return Number{}, &Error{Kind: KindInvalid, Message: err.Error()}
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT id, status FROM numbers WHERE e164 = ?`, e164).Scan(&id, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO numbers (e164, country, label, status, added_at) VALUES (?, ?, ?, 'active', ?)`,
				e164, country, label, ms(s.now()))
			if err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if label != "" {
				if _, err := tx.ExecContext(ctx, `UPDATE numbers SET label = ? WHERE id = ?`, label, id); err != nil {
					return err
				}
			}
			if status == StatusPending {
				if err := s.setPublished(ctx, tx, id, true); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE numbers SET status = 'active', added_at = ? WHERE id = ? AND status = 'pending'`, ms(s.now()), id); err != nil {
				return err
			}
		}
		return audit(ctx, tx, s.now(), actor, "number.add", e164, label)
	})
	if err != nil {
		return Number{}, err
	}
	return s.Number(ctx, e164)
}

// setPublished makes every message of a number that is not hidden visible
// (or invisible), keeping the counts right.
func (s *Store) setPublished(ctx context.Context, tx *sql.Tx, numberID int64, on bool) error {
	want := 0
	if on {
		want = 1
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM messages WHERE `+s.d.noIndex("number_id")+` = ? AND hidden = 0 AND visible = ?`, numberID, 1-want)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	delta := int64(-1)
	if on {
		delta = +1
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET visible = ? WHERE id = ?`, want, id); err != nil {
			return err
		}
		if err := s.applyVisible(ctx, tx, id, delta); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) numberStatus(ctx context.Context, actor, raw, status, action string) error {
	e164, _, err := phone.ParseNumber(raw)
	if err != nil {
		return &Error{Kind: KindInvalid, Message: err.Error()}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE numbers SET status = ? WHERE e164 = ? AND status != 'pending'`, status, e164)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(KindNotFound, "%s is not a published number; add it first with: smsinbox numbers add %s", e164, e164)
		}
		return audit(ctx, tx, s.now(), actor, action, e164, "")
	})
}

// RetireNumber takes a number out of the grid: its page answers 410, its
// messages and feeds stay.
func (s *Store) RetireNumber(ctx context.Context, actor, e164 string) error {
	return s.numberStatus(ctx, actor, e164, StatusRetired, "number.retire")
}

// ActivateNumber brings a retired number back.
func (s *Store) ActivateNumber(ctx context.Context, actor, e164 string) error {
	return s.numberStatus(ctx, actor, e164, StatusActive, "number.activate")
}

// LabelNumber sets a number's label.
func (s *Store) LabelNumber(ctx context.Context, actor, raw, label string) error {
	e164, _, err := phone.ParseNumber(raw)
	if err != nil {
		return &Error{Kind: KindInvalid, Message: err.Error()}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE numbers SET label = ? WHERE e164 = ?`, label, e164)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(KindNotFound, "there is no number %s", e164)
		}
		return audit(ctx, tx, s.now(), actor, "number.label", e164, label)
	})
}

// HideMessage takes a message down: it leaves every page, feed, sitemap and
// API answer but stays in the database with who hid it and why.
func (s *Store) HideMessage(ctx context.Context, actor string, id int64, reason string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var visible, hidden bool
		err := tx.QueryRowContext(ctx, `SELECT visible, hidden FROM messages WHERE id = ?`, id).Scan(&visible, &hidden)
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(KindNotFound, "there is no message %d", id)
		}
		if err != nil {
			return err
		}
		if hidden {
			return nil
		}
		if visible {
			if err := s.applyVisible(ctx, tx, id, -1); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET hidden = 1, visible = 0, hidden_by = ?, hidden_why = ? WHERE id = ?`, actor, reason, id); err != nil {
			return err
		}
		return audit(ctx, tx, s.now(), actor, "message.hide", itoa(id), reason)
	})
}

// BlockSender stores the sender's future messages hidden.
func (s *Store) BlockSender(ctx context.Context, actor, key, reason string, blocked bool) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE senders SET blocked = ? WHERE key = ?`, blocked, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(KindNotFound, "there is no sender %q", key)
		}
		action := "sender.block"
		if !blocked {
			action = "sender.unblock"
		}
		return audit(ctx, tx, s.now(), actor, action, key, reason)
	})
}

// AuditLog lists the newest admin actions.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, at, actor, action, target, reason FROM audit_log ORDER BY id DESC LIMIT ?`, ClampLimit(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Reason); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Audit records an admin action that changes nothing in the store itself
// (a failed sign-in, a setting).
func (s *Store) Audit(ctx context.Context, actor, action, target, reason string) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return audit(ctx, tx, s.now(), actor, action, target, reason) })
}
