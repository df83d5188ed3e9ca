package store

import (
	"reflect"
	"strings"
	"testing"
)

func TestSearchWords(t *testing.T) {
	for _, c := range []struct {
		q          string
		fts, pgArg string
	}{
		{`payment`, `"payment"`, `payment`},
		{`Your café CODE`, `"Your" "café" "CODE"`, `your & cafe & code`},
		{`pay*`, `"pay"*`, `pay:*`},
		{`p*`, `"p"`, `p`},
		{`pay* code`, `"pay" "code"`, `pay & code`},
		{`"ABC`, `"ABC"`, `abc`},
		{`a OR 1=1; DROP TABLE messages --`, `"a" "OR" "1" "1" "DROP" "TABLE" "messages"`, `a & or & 1 & 1 & drop & table & messages`},
		{`NEAR(a b) col:x ^ ( ) - \ % '`, `"NEAR" "a" "b" "col" "x"`, `near & a & b & col & x`},
		{`pay*ment`, `"pay" "ment"`, `pay & ment`},
		{strings.Repeat("x ", 50), strings.TrimSpace(strings.Repeat(`"x" `, 8)), strings.TrimSuffix(strings.Repeat("x & ", 8), " & ")},
		{"***", ``, ``},
		{"", ``, ``},
	} {
		if got := ftsQuery(c.q); got != c.fts {
			t.Errorf("ftsQuery(%q) = %q, want %q", c.q, got, c.fts)
		}
		if got := tsQuery(c.q); got != c.pgArg {
			t.Errorf("tsQuery(%q) = %q, want %q", c.q, got, c.pgArg)
		}
	}
	if got := searchWords("ab* cd*"); !reflect.DeepEqual(got, []searchWord{{text: "ab"}, {text: "cd", prefix: true}}) {
		t.Errorf("only the last word may be a prefix: %+v", got)
	}
}
