package store

import (
	"context"
	"strings"
	"unicode"
)

// Search finds visible messages whose body holds every word of q, newest
// stored first. q is any text: it is split into words that are quoted for
// the full-text index, so its syntax characters have no effect. Pass the
// last id of a page as before to continue.
func (s *Store) Search(ctx context.Context, q string, before int64, limit int) ([]Message, error) {
	match, hits := ftsQuery(q), `SELECT f.rowid AS id FROM messages_fts f WHERE messages_fts MATCH ?`
	key := "f.rowid"
	if s.d == postgresDialect {
		match, hits = tsQuery(q), `SELECT f.id FROM messages_fts f WHERE f.doc @@ to_tsquery('simple', ?)`
		key = "f.id"
	}
	if match == "" {
		return nil, nil
	}
	limit = ClampLimit(limit)
	args := []any{match}
	if before > 0 {
		hits += " AND " + key + " < ?"
		args = append(args, before)
	}
	args = append(args, limit)
	rows, err := s.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM (
			`+hits+` ORDER BY `+key+` DESC LIMIT ?
		) hit
		JOIN messages m ON m.id = hit.id
		JOIN numbers n ON n.id = m.number_id
		JOIN senders s ON s.id = m.sender_id
		LEFT JOIN templates t ON t.id = m.template_id
		WHERE m.visible = 1
		ORDER BY m.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	return scanMessages(rows)
}

// ftsQuery turns free text into an FTS5 query that matches messages with
// all its words: each word is a quoted string (a trailing "*" on the last
// word of two or more letters makes it a prefix).
func ftsQuery(q string) string {
	words := strings.FieldsFunc(q, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '*'
	})
	var parts []string
	for i, w := range words {
		prefix := strings.HasSuffix(w, "*") && i == len(words)-1
		w = strings.Trim(w, "*")
		if w == "" {
			continue
		}
		if len(parts) == 8 {
			break
		}
		p := `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		if prefix && len([]rune(w)) >= 2 {
			p += "*"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}
