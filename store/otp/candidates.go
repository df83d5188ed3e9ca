package otp

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// candidates lists the parts of the body that may be the code, in order.
func (sc *scan) candidates() []cand {
	var out []cand
	out = sc.digitCandidates(out)
	out = sc.alnumCandidates(out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

type run struct{ start, end int }

// digitCandidates finds plain, prefixed and split numeric codes.
func (sc *scan) digitCandidates(out []cand) []cand {
	s := sc.s
	var runs []run
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		runs = append(runs, run{i, j})
		i = j
	}
	for i := 0; i < len(runs); {
		// A chain: runs joined by one space or one dash, the same throughout.
		j, sep := i+1, byte(0)
		for j < len(runs) && runs[j].start == runs[j-1].end+1 {
			b := s[runs[j-1].end]
			if (b != ' ' && b != '-') || (sep != 0 && b != sep) {
				break
			}
			sep = b
			j++
		}
		out = sc.chainCandidates(out, runs[i:j], sep)
		i = j
	}
	return out
}

func (sc *scan) chainCandidates(out []cand, chain []run, sep byte) []cand {
	s := sc.s
	start, end := chain[0].start, chain[len(chain)-1].end
	if sc.inSkip(start, end) || sc.badContext(start, end) {
		return out
	}
	if end < len(s) && isLetter(s[end]) {
		return out // "10min", "123456ABC": a quantity or part of a word
	}
	prefixed := false
	if start > 0 && isLetter(s[start-1]) {
		return out // "ABC123": part of a word
	}
	if start > 1 && s[start-1] == '-' && isLetter(s[start-2]) {
		l := start - 2
		for l > 0 && isLetter(s[l-1]) {
			l--
		}
		if start-1-l > 4 || (l > 0 && isAlnum(s[l-1])) {
			return out
		}
		prefixed = true
	}
	total := end - start - (len(chain) - 1)
	if len(chain) > 1 {
		if prefixed {
			return out
		}
		equal := true
		for _, r := range chain {
			n := r.end - r.start
			if n != chain[0].end-chain[0].start || n < 2 || n > 4 {
				equal = false
			}
		}
		switch {
		case equal && len(chain) <= 3 && total >= 6 && total <= 8:
			code := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, s[start:end])
			return append(out, cand{start: start, end: end, code: code, kind: kindSplit, spaced: sep == ' '})
		case sep == '-' || total > 8:
			return out // a date, a range, a phone or card number
		}
		// Numbers that merely follow one another: each on its own.
		for _, r := range chain {
			if r.end-r.start >= 4 && r.end-r.start <= 8 {
				out = append(out, plainCand(s, r, false))
			}
		}
		return out
	}
	if total < 4 || total > 8 {
		return out
	}
	return append(out, plainCand(s, chain[0], prefixed))
}

func plainCand(s string, r run, prefixed bool) cand {
	c := cand{start: r.start, end: r.end, code: s[r.start:r.end], kind: kindPlain}
	switch {
	case prefixed:
		c.kind = kindPrefixed
	case len(c.code) == 4 && (strings.HasPrefix(c.code, "19") || strings.HasPrefix(c.code, "20")):
		c.kind = kindYear
	}
	return c
}

// badContext reports whether what surrounds the number [start, end) says
// it is no code: a decimal, date or time, a phone number, an amount, a
// quantity, an order or card number.
func (sc *scan) badContext(start, end int) bool {
	s := sc.s
	if start > 0 {
		switch b := s[start-1]; b {
		case '+', '#', '*', '$', '/', '\\', '@', '_', '=', '&':
			return true
		case '.', ',', ':', '-':
			if start > 1 && isDigit(s[start-2]) {
				return true // 12.99, 1,500, 10:30, 2026-11-20
			}
		}
	}
	if end < len(s) {
		switch b := s[end]; b {
		case '.', ',', ':', '/', '-':
			if end+1 < len(s) && isDigit(s[end+1]) {
				return true
			}
		case '%', '_', '@', '=':
			return true
		}
	}
	// A currency sign before or after, with at most one space between.
	if r, _ := lastRune(s[:start], true); unicode.Is(unicode.Sc, r) || r == '№' || r == '•' {
		return true
	}
	if r, size := firstRune(s[end:], true); unicode.Is(unicode.Sc, r) || r == '‰' {
		return true
	} else if size > 0 && strings.ContainsRune(cjkUnits, r) && (end >= len(s) || s[end] != ' ') {
		return true
	}
	// A unit or currency word just after.
	if w := sc.wordAfter(end); w != nil && w.start <= end+1 && unitWords[w.lower] {
		return true
	}
	return sc.negativeBefore(start)
}

// negativeBefore reports whether one of the three words before offset, in
// the same sentence and with no number or strong keyword between, says the
// number that follows is no code.
func (sc *scan) negativeBefore(offset int) bool {
	i := sort.Search(len(sc.words), func(i int) bool { return sc.words[i].end > offset }) - 1
	next := offset
	for n := 0; n < 3 && i >= 0; n, i = n+1, i-1 {
		w := sc.words[i]
		between := sc.s[w.end:next]
		if w.digit {
			return false
		}
		neg := negWords[w.lower] || (n == 0 && currencyWords[w.lower])
		if neg && (!sentenceBreak(between) || abbreviationDot(between)) {
			return true
		}
		if sentenceBreak(between) {
			return false
		}
		if sc.strongKeywordAt(w.start) {
			return false
		}
		next = w.start
	}
	return false
}

func (sc *scan) strongKeywordAt(start int) bool {
	i := sort.Search(len(sc.kws), func(i int) bool { return sc.kws[i].start >= start })
	return i < len(sc.kws) && sc.kws[i].start == start && sc.kws[i].strong
}

func sentenceBreak(between string) bool {
	return strings.ContainsAny(between, ".!?\n;。！？")
}

// abbreviationDot reports whether the text after a word is the dot of an
// abbreviation ("No. 123", "Rs.500").
func abbreviationDot(between string) bool {
	switch strings.TrimSpace(between) {
	case ".", ".:", ".#":
		return true
	}
	return false
}

// wordAfter returns the first word starting at or after offset, nil when
// none.
func (sc *scan) wordAfter(offset int) *word {
	i := sort.Search(len(sc.words), func(i int) bool { return sc.words[i].start >= offset })
	if i < len(sc.words) {
		return &sc.words[i]
	}
	return nil
}

// lastRune returns the last rune of s, skipping one space when skipSpace.
func lastRune(s string, skipSpace bool) (rune, int) {
	if skipSpace && strings.HasSuffix(s, " ") {
		s = s[:len(s)-1]
	}
	return utf8.DecodeLastRuneInString(s)
}

// firstRune returns the first rune of s, skipping one space when skipSpace.
func firstRune(s string, skipSpace bool) (rune, int) {
	if skipSpace && strings.HasPrefix(s, " ") {
		s = s[1:]
	}
	return utf8.DecodeRuneInString(s)
}

// alnumCandidates finds codes of letters and digits ("K7G2PQ") and of
// upper-case letters ("QWERTZ").
func (sc *scan) alnumCandidates(out []cand) []cand {
	s := sc.s
	for i := 0; i < len(s); {
		if !isAlnum(s[i]) {
			i++
			continue
		}
		j := i
		digits, upper, lower := 0, 0, 0
		for j < len(s) && isAlnum(s[j]) {
			switch b := s[j]; {
			case isDigit(b):
				digits++
			case b >= 'A' && b <= 'Z':
				upper++
			default:
				lower++
			}
			j++
		}
		start, end := i, j
		i = j
		n := end - start
		if n < 4 || n > 10 || digits == n || sc.inSkip(start, end) || !sc.alnumBounds(start, end) {
			continue
		}
		tok := s[start:end]
		if keywordStrength(strings.ToLower(tok)) > 0 {
			continue
		}
		if digits == 0 {
			if lower == 0 && n <= 8 && !letterStop[tok] {
				out = append(out, cand{start: start, end: end, code: tok, kind: kindLetters})
			}
			continue
		}
		if quantityLike(tok) || maskedLike(tok) || promoLike(tok) {
			continue
		}
		out = append(out, cand{start: start, end: end, code: tok, kind: kindAlnum})
	}
	return out
}

// alnumBounds reports whether the token [start, end) stands on its own:
// not part of a domain, a path, a hyphenated word or a word of accented
// letters.
func (sc *scan) alnumBounds(start, end int) bool {
	s := sc.s
	if start > 0 {
		if strings.IndexByte(".@/-_\\#*+&=", s[start-1]) >= 0 {
			return false
		}
		if r, _ := utf8.DecodeLastRuneInString(s[:start]); r >= utf8.RuneSelf && unicode.IsLetter(r) && !isCJK(r) {
			return false
		}
	}
	if end < len(s) {
		if strings.IndexByte("@/_\\-+&=", s[end]) >= 0 {
			return false
		}
		if s[end] == '.' && end+1 < len(s) && isAlnum(s[end+1]) {
			return false
		}
		if r, _ := utf8.DecodeRuneInString(s[end:]); r >= utf8.RuneSelf && unicode.IsLetter(r) && !isCJK(r) {
			return false
		}
	}
	return true
}

// quantityLike reports tokens such as "10min", "5GB", "2nd", "24h": digits
// followed by up to three letters, or lower-case letters.
func quantityLike(tok string) bool {
	i := 0
	for i < len(tok) && isDigit(tok[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	rest := tok[i:]
	for k := 0; k < len(rest); k++ {
		if isDigit(rest[k]) {
			return false
		}
	}
	return len(rest) <= 3 || strings.ToLower(rest) == rest
}

// maskedLike reports masked card and account numbers such as "XX1234".
func maskedLike(tok string) bool {
	i := 0
	for i < len(tok) && (tok[i] == 'x' || tok[i] == 'X') {
		i++
	}
	if i == 0 {
		return false
	}
	for _, b := range []byte(tok[i:]) {
		if !isDigit(b) {
			return false
		}
	}
	return true
}

// promoLike reports tokens such as "SAVE20" and "WELCOME10": a word
// followed by a small number, as discount codes are written.
func promoLike(tok string) bool {
	i := 0
	for i < len(tok) && isLetter(tok[i]) {
		i++
	}
	if i < 4 || len(tok)-i > 3 {
		return false
	}
	for _, b := range []byte(tok[i:]) {
		if !isDigit(b) {
			return false
		}
	}
	return true
}
