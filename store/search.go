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

// maxSearchWords bounds the words of a search query.
const maxSearchWords = 8

// searchWord is one word of a search query.
type searchWord struct {
	text   string // letters and digits only
	prefix bool   // the query's last word ended in "*" and has two or more letters
}

// searchWords splits free text into the words every hit must hold: runs of
// letters and digits, at most maxSearchWords of them. Nothing else of the
// text reaches a query, so no query syntax gets through.
func searchWords(q string) []searchWord {
	fields := strings.FieldsFunc(q, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '*'
	})
	var words []searchWord
	for i, f := range fields {
		prefix := strings.HasSuffix(f, "*") && i == len(fields)-1
		for _, w := range strings.FieldsFunc(f, func(r rune) bool { return r == '*' }) {
			if len(words) == maxSearchWords {
				return words
			}
			words = append(words, searchWord{text: w})
		}
		if prefix && len(words) > 0 && len([]rune(words[len(words)-1].text)) >= 2 {
			words[len(words)-1].prefix = true
		}
	}
	return words
}

// ftsQuery turns free text into an FTS5 query: each word a quoted string,
// all of them required.
func ftsQuery(q string) string {
	var parts []string
	for _, w := range searchWords(q) {
		p := `"` + w.text + `"`
		if w.prefix {
			p += "*"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}
