package store

import (
	"context"
)

// Profile gathers what the sender page shows above its messages, from the
// counts kept at insert time: formats, code lengths, delivery delays and
// the numbers reached.
func (s *Store) Profile(ctx context.Context, key string) (Profile, error) {
	sd, err := s.Sender(ctx, key)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{Sender: sd, CodeLengths: map[int]int64{}}
	rows, err := s.read.QueryContext(ctx, `SELECT template, messages, code_length, alphabet, language, example_id
		FROM templates WHERE sender_id = ? AND messages > 0 ORDER BY messages DESC, id LIMIT 20`, sd.ID)
	if err != nil {
		return p, err
	}
	for rows.Next() {
		var f Format
		if err := rows.Scan(&f.Template, &f.Messages, &f.CodeLength, &f.Alphabet, &f.Language, &f.ExampleID); err != nil {
			rows.Close()
			return p, err
		}
		p.Formats = append(p.Formats, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, err
	}
	rows, err = s.read.QueryContext(ctx, `SELECT code_length, CAST(sum(messages) AS BIGINT) FROM templates WHERE sender_id = ? AND messages > 0 AND code_length > 0 GROUP BY code_length`, sd.ID)
	if err != nil {
		return p, err
	}
	for rows.Next() {
		var l int
		var n int64
		if err := rows.Scan(&l, &n); err != nil {
			rows.Close()
			return p, err
		}
		p.CodeLengths[l] = n
	}
	rows.Close()

	rows, err = s.read.QueryContext(ctx, `SELECT bucket, messages FROM sender_delays WHERE sender_id = ? AND messages > 0 ORDER BY bucket`, sd.ID)
	if err != nil {
		return p, err
	}
	type bucket struct {
		b int64
		n int64
	}
	var buckets []bucket
	var total int64
	for rows.Next() {
		var b bucket
		if err := rows.Scan(&b.b, &b.n); err != nil {
			rows.Close()
			return p, err
		}
		buckets = append(buckets, b)
		total += b.n
	}
	rows.Close()
	if total > 0 {
		p.DelayKnown = true
		pct := func(q float64) float64 {
			want := int64(q*float64(total) + 0.999999)
			if want < 1 {
				want = 1
			}
			var seen int64
			for _, b := range buckets {
				seen += b.n
				if seen >= want {
					return bucketSeconds(b.b)
				}
			}
			return bucketSeconds(buckets[len(buckets)-1].b)
		}
		p.DelayP50, p.DelayP90 = pct(0.5), pct(0.9)
	}

	rows, err = s.read.QueryContext(ctx, `SELECT `+prefixed("n.", numberColumns)+` FROM sender_numbers sn JOIN numbers n ON n.id = sn.number_id
		WHERE sn.sender_id = ? AND n.status != 'pending' ORDER BY sn.last_at DESC LIMIT 100`, sd.ID)
	if err != nil {
		return p, err
	}
	p.Numbers, err = scanNumbers(rows)
	if err != nil {
		return p, err
	}
	seen := map[string]bool{}
	for _, n := range p.Numbers {
		if !seen[n.Country] {
			seen[n.Country] = true
			p.Countries = append(p.Countries, n.Country)
		}
	}
	return p, nil
}

func prefixed(p, cols string) string {
	out := ""
	start := 0
	for i := 0; i <= len(cols); i++ {
		if i == len(cols) || cols[i] == ',' {
			c := cols[start:i]
			for len(c) > 0 && c[0] == ' ' {
				c = c[1:]
			}
			if out != "" {
				out += ", "
			}
			out += p + c
			start = i + 1
		}
	}
	return out
}
