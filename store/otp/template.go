package otp

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The placeholders of variable parts in a template.
const (
	phNumber = "{number}"
	phURL    = "{url}"
	phEmail  = "{email}"
	phHash   = "{hash}"
	phName   = "{name}"
)

// greetings come before a person's name ("Hi Anna,", "Sayın AHMET YILMAZ").
var greetings = setOf(
	"hi", "hello", "hey", "dear", "hola", "olá", "ola", "oi", "bonjour", "bonsoir",
	"salut", "hallo", "servus", "moin", "ciao", "buongiorno", "gentile", "caro", "cara",
	"merhaba", "sayın", "sayin", "привет", "здравствуйте", "уважаемый", "уважаемая",
	"вітаємо", "шановний", "шановна", "witaj", "cześć", "beste", "hoi", "hai", "halo",
	"chào", "مرحبا", "नमस्ते", "dobry", "morning", "afternoon", "evening", "días", "dia",
	"tag", "estimado", "estimada", "querido", "querida", "prezado", "prezada", "liebe",
	"lieber", "geehrter", "geehrte", "dzień",
)

// nameStop are capitalized words that follow a greeting but are no name.
var nameStop = setOf(
	"your", "you", "use", "the", "this", "we", "here", "thanks", "thank", "welcome",
	"tu", "su", "votre", "vous", "ihr", "dein", "ваш", "ваш", "il", "el", "la", "le",
	"our", "please", "to", "a", "an", "seu", "sua", "o",
)

// template returns the body with the code masked (see maskCode) and URLs, e-mail addresses, app hashes,
// names and other numbers replaced by placeholders; white space is
// trimmed and each run of it made one space or one line break.
func (sc *scan) template(code *cand) string {
	s := sc.s
	regions := append([]region(nil), sc.skip...)
	add := func(r region) {
		for _, o := range regions {
			if r.start < o.end && o.start < r.end {
				return
			}
		}
		regions = append(regions, r)
	}
	if code != nil {
		add(region{code.start, code.end, maskCode(s[code.start:code.end], code.kind >= kindAlnum)})
	}
	for _, r := range sc.hashes() {
		add(r)
	}
	for _, r := range sc.names() {
		add(r)
	}
	for _, r := range sc.handles() {
		add(r)
	}
	sort.Slice(regions, func(i, j int) bool { return regions[i].start < regions[j].start })

	var b strings.Builder
	b.Grow(len(s))
	at := 0
	for _, r := range regions {
		sc.maskNumbers(&b, at, r.start)
		b.WriteString(r.text)
		at = r.end
	}
	sc.maskNumbers(&b, at, len(s))
	return tidySpace(b.String())
}

// maskCode masks a code as written: each digit of a numeric code '#', each
// letter or digit of a code with letters 'X' (so that codes of one service
// share a template whatever their mix of letters and digits), separators
// kept.
func maskCode(code string, letters bool) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9' && !letters:
			return '#'
		case r < utf8.RuneSelf && isAlnum(byte(r)):
			return 'X'
		}
		return r
	}, code)
}

// maskNumbers writes s[from:to] with every number replaced by {number}: a
// run of digits of any script, with "+" in front when it is a phone
// number, and with the separators within it (1,500.00, 20/11/2026,
// +44 7400 123456). Digits glued to the end of a word stay ("COVID19"),
// except in masked card numbers ("XX1234"), as does one digit glued to
// the front of a word ("2FA").
func (sc *scan) maskNumbers(b *strings.Builder, from, to int) {
	s := sc.s
	i := from
	for i < to {
		r, n := utf8.DecodeRuneInString(s[i:])
		start := i
		if r == '+' && i+1 < to && isDigit(s[i+1]) && (i == 0 || !isAlnum(s[i-1])) {
			r, n = utf8.DecodeRuneInString(s[i+1:])
			i++
		}
		if !unicode.IsDigit(r) || (start > 0 && gluedToWord(s, start)) {
			b.WriteString(s[start : i+n])
			i += n
			continue
		}
		end := numberEnd(s, i, to)
		if end-i == 1 && end < len(s) && end < to && isLetter(s[end]) {
			b.WriteString(s[start:end])
		} else {
			b.WriteString(phNumber)
		}
		i = end
	}
}

// gluedToWord reports whether the number starting at i follows a letter,
// other than the x of a masked card number.
func gluedToWord(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	if !unicode.IsLetter(r) || isCJK(r) {
		return false
	}
	j := i
	for j > 0 && (s[j-1] == 'x' || s[j-1] == 'X' || s[j-1] == '*') {
		j--
	}
	return j == i || (j > 0 && isAlnum(s[j-1]))
}

// numberEnd returns where the number starting at i ends: digits joined by
// single separators that are followed by more digits.
func numberEnd(s string, i, to int) int {
	for {
		for i < to {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsDigit(r) {
				break
			}
			i += n
		}
		if i+1 < to && strings.IndexByte(".,:/- ", s[i]) >= 0 {
			if r, _ := utf8.DecodeRuneInString(s[i+1:]); unicode.IsDigit(r) {
				i++
				continue
			}
		}
		return i
	}
}

// hashes finds Android SMS Retriever app hashes: 11 characters of the
// base64 alphabet, alone on a line or at the end of the message.
func (sc *scan) hashes() []region {
	s := sc.s
	lastEnd := len(strings.TrimRightFunc(s, unicode.IsSpace))
	var out []region
	lineStart := 0 // where the current line's text begins
	for i := 0; i < len(s); {
		for i < len(s) && isSpaceByte(s[i]) {
			if s[i] == '\n' {
				lineStart = i + 1
			}
			i++
		}
		j := i
		for j < len(s) && !isSpaceByte(s[j]) {
			j++
		}
		if j-i == 11 && looksLikeHash(s[i:j]) {
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r') {
				k++
			}
			alone := strings.TrimSpace(s[lineStart:i]) == "" && (k == len(s) || s[k] == '\n')
			if alone || j == lastEnd {
				out = append(out, region{i, j, phHash})
			}
		}
		i = j
	}
	return out
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\n' || b == '\r' || b == '\t' }

// looksLikeHash reports whether tok, 11 characters long, is of the base64
// alphabet and mixes classes of characters as a hash does and a word does
// not.
func looksLikeHash(tok string) bool {
	var digits, upper, lower, sym, upperInside int
	for i := 0; i < len(tok); i++ {
		switch b := tok[i]; {
		case isDigit(b):
			digits++
		case b >= 'A' && b <= 'Z':
			upper++
			if i > 0 {
				upperInside++
			}
		case b >= 'a' && b <= 'z':
			lower++
		case b == '+' || b == '/':
			sym++
		default:
			return false
		}
	}
	letters := upper + lower
	if letters == 0 {
		return false
	}
	if digits+sym > 0 {
		return digits+sym < 11 && (upper > 0 || lower > 0) && (upper > 0 && lower > 0 || digits+sym >= 2)
	}
	return upperInside >= 2 && lower >= 2
}

// names finds a person's name after a greeting.
func (sc *scan) names() []region {
	var out []region
	for i := 0; i+1 < len(sc.words); i++ {
		if !greetings[sc.words[i].lower] {
			continue
		}
		j := i + 1
		if between := sc.s[sc.words[i].end:sc.words[j].start]; strings.Trim(between, " ,") != "" {
			continue
		}
		k := j
		for k < len(sc.words) && k < j+3 && capitalized(sc.s[sc.words[k].start:sc.words[k].end]) && !nameStop[sc.words[k].lower] {
			if k > j && sc.s[sc.words[k-1].end:sc.words[k].start] != " " {
				break
			}
			k++
		}
		if k > j {
			out = append(out, region{sc.words[j].start, sc.words[k-1].end, phName})
			i = k - 1
		}
	}
	return out
}

func capitalized(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r) || unicode.IsTitle(r)
}

// handles finds user names written as "@name" (not e-mail addresses,
// which are found before).
func (sc *scan) handles() []region {
	s := sc.s
	var out []region
	for i := strings.IndexByte(s, '@'); i >= 0; {
		j := i + 1
		for j < len(s) && j-i <= 31 && (isAlnum(s[j]) || s[j] == '_' || s[j] == '.') {
			j++
		}
		for j > i+1 && s[j-1] == '.' {
			j--
		}
		if j-i >= 3 && (i == 0 || !isAlnum(s[i-1])) {
			out = append(out, region{i, j, "@" + phName})
		}
		next := strings.IndexByte(s[j:], '@')
		if next < 0 {
			break
		}
		i = j + next
	}
	return out
}

// tidySpace trims s, makes each run of white space with a line break one
// line break and each other run one space, drops control characters and
// replaces invalid UTF-8.
func tidySpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pending := byte(0)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			r = utf8.RuneError
		case r == '\n':
			pending = '\n'
			continue
		case unicode.IsSpace(r):
			if pending == 0 {
				pending = ' '
			}
			continue
		case unicode.IsControl(r):
			continue
		}
		if pending != 0 && b.Len() > 0 {
			b.WriteByte(pending)
		}
		pending = 0
		b.WriteRune(r)
	}
	return b.String()
}
