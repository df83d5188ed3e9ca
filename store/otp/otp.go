// Package otp finds verification codes in message bodies and describes a
// message's format as a template, so that messages of one service that
// differ only by their code share one template. It holds no state and is
// safe for concurrent use.
package otp

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxBody bounds the bytes of a body that are analyzed; the rest is
// ignored (a concatenated SMS of 255 parts is under 40 KB).
const maxBody = 64 << 10

// Distances, in characters, between a code and the keyword that vouches
// for it.
const (
	maxDigitDistance = 200 // a run of digits anywhere in a message about a code
	maxSpaceSplit    = 40  // "123 456": close, as phone numbers look alike
	maxYearDistance  = 12  // "code: 2024" but not "© 2024"
	maxAlnumDistance = 24  // "code: K7G2PQ", "K7G2PQ is your code"
	maxLetterGap     = 6   // "code: QWERTY", "code is QWERTY"
)

// Shape describes a message's format.
type Shape struct {
	Code       string // the verification code, as Extract returns it
	Template   string // the body with the code and other variable parts masked
	CodeLength int    // letters and digits of the code; 0 when none
	Alphabet   string // "digits", "letters", "alnum"; "" when none
	Language   string // ISO 639-1 code when it can be told, else ""
}

// Extract returns the verification code in body, "" when none. A code is
// returned as a user types it into a form: the digits of a split code
// ("123-456" gives "123456") and of a prefixed one ("G-123456" gives
// "123456"), an alphanumeric code as written.
func Extract(body string) string {
	sc := newScan(body)
	if c := sc.pick(); c != nil {
		return c.code
	}
	return ""
}

// Analyze returns the code, template, code length, alphabet and language
// of body. It never panics, whatever body holds.
func Analyze(body string) Shape {
	sc := newScan(body)
	c := sc.pick()
	sh := Shape{Template: sc.template(c), Language: sc.language()}
	if c != nil {
		sh.Code = c.code
		sh.CodeLength, sh.Alphabet = alphabet(c.code)
	}
	return sh
}

func alphabet(code string) (n int, kind string) {
	var digits, letters int
	for i := 0; i < len(code); i++ {
		switch b := code[i]; {
		case isDigit(b):
			digits++
		case isLetter(b):
			letters++
		}
	}
	switch {
	case letters == 0 && digits > 0:
		kind = "digits"
	case digits == 0 && letters > 0:
		kind = "letters"
	case digits > 0:
		kind = "alnum"
	}
	return digits + letters, kind
}

var (
	urlRe   = regexp.MustCompile(`(?i)(?:\bhttps?://|\bwww\.)[^\s<>"']+|\b(?:[a-z0-9][a-z0-9-]*\.)+[a-z]{2,}/[^\s<>"']*`)
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
)

// region is a part of the body replaced as a whole in the template.
type region struct {
	start, end int
	text       string
}

type word struct {
	start, end int
	lower      string
	num        bool // ASCII digits only
	digit      bool // holds an ASCII digit
}

type keyword struct {
	start, end int
	strong     bool
}

type candKind int

const (
	kindPlain    candKind = iota // 4 to 8 digits
	kindPrefixed                 // "G-123456": the digits
	kindSplit                    // "123-456", "123 456"
	kindYear                     // four digits that may be a year
	kindAlnum                    // letters and digits
	kindLetters                  // upper-case letters
)

type cand struct {
	start, end int // the code as written, separators included
	code       string
	kind       candKind
	spaced     bool // a split code with spaces
}

type scan struct {
	s     string
	skip  []region // URLs and e-mail addresses, by start
	words []word
	kws   []keyword // by start
	byEnd []keyword // by end
	upper int       // ASCII capitals
	lower int       // ASCII small letters
}

func newScan(body string) *scan {
	s := body
	if len(s) > maxBody {
		cut := maxBody
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	sc := &scan{s: s}
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= 'A' && b <= 'Z':
			sc.upper++
		case b >= 'a' && b <= 'z':
			sc.lower++
		}
	}
	sc.findSkip()
	sc.findWords()
	return sc
}

// findSkip finds URLs and e-mail addresses. Neither holds white space, so
// the patterns run only on the space-separated tokens that may hold one.
func (sc *scan) findSkip() {
	s := sc.s
	for i := 0; i < len(s); {
		for i < len(s) && isSpaceByte(s[i]) {
			i++
		}
		j := i
		url, email := false, false
		for j < len(s) && !isSpaceByte(s[j]) {
			switch s[j] {
			case '/':
				url = url || (j > i && (s[j-1] == ':' || isLetter(s[j-1])))
			case '.':
				url = url || (j-i >= 3 && strings.EqualFold(s[j-3:j], "www"))
			case '@':
				email = true
			}
			j++
		}
		if url {
			for _, m := range urlRe.FindAllStringIndex(s[i:j], -1) {
				end := i + m[1]
				for end > i+m[0] && strings.IndexByte(".,;:!?)]}'\"", s[end-1]) >= 0 {
					end--
				}
				sc.skip = append(sc.skip, region{i + m[0], end, phURL})
			}
		}
		if email {
			for _, m := range emailRe.FindAllStringIndex(s[i:j], -1) {
				if !sc.overlapsSkip(i+m[0], i+m[1]) {
					sc.skip = append(sc.skip, region{i + m[0], i + m[1], phEmail})
				}
			}
		}
		i = j
	}
	sort.Slice(sc.skip, func(i, j int) bool { return sc.skip[i].start < sc.skip[j].start })
}

// overlapsSkip reports whether [start, end) overlaps one of the last
// regions found, those of the current token.
func (sc *scan) overlapsSkip(start, end int) bool {
	for k := len(sc.skip) - 1; k >= 0 && k >= len(sc.skip)-8; k-- {
		if r := sc.skip[k]; start < r.end && r.start < end {
			return true
		}
	}
	return false
}

// inSkip reports whether [start, end) overlaps a URL or e-mail address.
func (sc *scan) inSkip(start, end int) bool {
	// The regions do not overlap, so their ends grow with their starts.
	i := sort.Search(len(sc.skip), func(i int) bool { return sc.skip[i].end > start })
	return i < len(sc.skip) && sc.skip[i].start < end
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isAlnum(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// findWords splits the body into words (runs of letters, digits and marks)
// and finds the keywords among them.
func (sc *scan) findWords() {
	s := sc.s
	sc.words = make([]word, 0, len(s)/6+1)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += n
			continue
		}
		start, cjk, num, digit := i, false, true, false
		for i < len(s) {
			r, n = utf8.DecodeRuneInString(s[i:])
			if !isWordRune(r) {
				break
			}
			cjk = cjk || isCJK(r)
			isD := r >= '0' && r <= '9'
			num = num && isD
			digit = digit || isD
			i += n
		}
		w := word{start: start, end: i, num: num, digit: digit}
		if !num {
			w.lower = strings.ToLower(s[start:i])
		}
		sc.words = append(sc.words, w)
		if cjk {
			sc.findCJKKeywords(start, i)
		}
	}
	for i, w := range sc.words {
		if w.num || len(w.lower) > 40 {
			continue
		}
		st := keywordStrength(w.lower)
		end := w.end
		if st == 0 && (w.lower == "sign" || w.lower == "log") && i+1 < len(sc.words) {
			if nx := sc.words[i+1].lower; nx == "in" || nx == "on" {
				st, end = 1, sc.words[i+1].end
			}
		}
		if st == 0 || sc.inSkip(w.start, end) || sc.promoNear(i) {
			continue
		}
		sc.kws = append(sc.kws, keyword{w.start, end, st == 2})
	}
	sort.Slice(sc.kws, func(i, j int) bool { return sc.kws[i].start < sc.kws[j].start })
	sc.byEnd = append([]keyword(nil), sc.kws...)
	sort.Slice(sc.byEnd, func(i, j int) bool { return sc.byEnd[i].end < sc.byEnd[j].end })
}

func (sc *scan) findCJKKeywords(start, end int) {
	run := sc.s[start:end]
	add := func(list []string, strong bool) {
		for _, k := range list {
			for off := 0; off < len(run); {
				i := strings.Index(run[off:], k)
				if i < 0 {
					break
				}
				at := start + off + i
				promo := false
				for _, p := range cjkPromo {
					if strings.HasSuffix(sc.s[start:at], p) {
						promo = true
					}
				}
				if !promo {
					sc.kws = append(sc.kws, keyword{at, at + len(k), strong})
				}
				off += i + len(k)
			}
		}
	}
	add(cjkStrong, true)
	add(cjkWeak, false)
}

// promoNear reports whether one of the two words before keyword word i, or
// one of the two after it, says the keyword names a promotion or some other kind of
// code.
func (sc *scan) promoNear(i int) bool {
	for j := i - 1; j >= i-2 && j >= 0; j-- {
		if promoWords[sc.words[j].lower] {
			return true
		}
	}
	for j := i + 1; j <= i+2 && j < len(sc.words); j++ {
		if promoWords[sc.words[j].lower] {
			return true
		}
	}
	return false
}

// pick returns the code of the message, nil when there is none.
func (sc *scan) pick() *cand {
	cands := sc.candidates()
	if len(cands) == 0 {
		return nil
	}
	if len(sc.kws) == 0 {
		return sc.pickWithoutKeyword(cands)
	}
	var best *cand
	bestScore := 1 << 30
	for i := range cands {
		c := &cands[i]
		d, before, gap := sc.nearestKeyword(c.start, c.end)
		score := d
		switch c.kind {
		case kindPlain, kindPrefixed:
			if d > maxDigitDistance {
				continue
			}
		case kindSplit:
			if d > maxDigitDistance || (c.spaced && d > maxSpaceSplit) {
				continue
			}
		case kindYear:
			if !before || d > maxYearDistance || !letterGap(gap) {
				continue
			}
		case kindAlnum:
			if d > maxAlnumDistance {
				continue
			}
			score += 8
		case kindLetters:
			if !before || d > maxLetterGap || !letterGap(gap) || sc.shouting(c) {
				continue
			}
			score += 16
		}
		if score < bestScore {
			best, bestScore = c, score
		}
	}
	return best
}

// pickWithoutKeyword takes a lone number as the code of a message of a
// few words ("482910", "Netflix: 4829").
func (sc *scan) pickWithoutKeyword(cands []cand) *cand {
	var found *cand
	for i := range cands {
		switch cands[i].kind {
		case kindPlain, kindPrefixed, kindSplit:
			if found != nil {
				return nil
			}
			found = &cands[i]
		}
	}
	if found == nil {
		return nil
	}
	words := 0
	for _, w := range sc.words {
		if w.num || (w.end > found.start && w.start < found.end) {
			continue
		}
		// Scripts without spaces count each character as a word.
		n := 0
		for _, r := range sc.s[w.start:w.end] {
			if isCJK(r) {
				n++
			}
		}
		words += max(n, 1)
	}
	if words > 2 {
		return nil
	}
	return found
}

// letterGap reports whether the text between a keyword and an upper-case
// word or a year-like number makes it the code ("code: ABCDEF", "PIN is
// 1987").
func letterGap(gap string) bool {
	switch strings.ToLower(strings.TrimSpace(gap)) {
	case "", ":", "：", "is", "is:", "es", "es:", "est", "est :", "est:", "ist", "ist:", "é", "是", "为", "-":
		return true
	}
	return false
}

// shouting reports whether the message is written in capitals, where an
// upper-case word says nothing.
func (sc *scan) shouting(c *cand) bool {
	return sc.upper-(c.end-c.start) > sc.lower
}

// nearestKeyword returns the distance in characters from [start, end) to
// the nearest keyword, whether that keyword comes before, and the text
// between them when it does.
func (sc *scan) nearestKeyword(start, end int) (dist int, before bool, gap string) {
	dist = 1 << 30
	// The last keyword ending at or before start.
	if i := sort.Search(len(sc.byEnd), func(i int) bool { return sc.byEnd[i].end > start }); i > 0 {
		k := sc.byEnd[i-1]
		gap = sc.s[k.end:start]
		dist, before = runeDistance(gap), true
	}
	// The first keyword starting at or after end.
	if i := sort.Search(len(sc.kws), func(i int) bool { return sc.kws[i].start >= end }); i < len(sc.kws) {
		if d := runeDistance(sc.s[end:sc.kws[i].start]); d < dist {
			dist, before, gap = d, false, ""
		}
	}
	return dist, before, gap
}

// runeDistance counts the characters of gap, stopping early when it is far
// beyond any distance that matters.
func runeDistance(gap string) int {
	if len(gap) > 4*maxDigitDistance+8 {
		return 1 << 20
	}
	return utf8.RuneCountInString(gap)
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }
func isAlnum(b byte) bool  { return isDigit(b) || isLetter(b) }
