// Package phone parses receiving numbers, turns senders into stable URL keys
// and names countries. It holds no state and is safe for concurrent use.
package phone

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// maxInput bounds the bytes of a number or sender we look at; anything
// longer is refused before any parsing.
const maxInput = 1024

// ParseNumber parses a receiving number given in international form
// ("+447400123456", "447400123456", "00447400123456", "+44 7400 123456")
// into E.164 and its ISO 3166-1 alpha-2 country, upper case. Spaces, dashes,
// dots, slashes and parentheses between digits are ignored. A number of a
// non-geographic calling code (+800, +882, +883...) has an empty country.
// Input that is not a number, or a number not valid in its country's
// numbering plan, gives an error of one sentence naming the input.
func ParseNumber(raw string) (e164, country string, err error) {
	digits, ok := numberDigits(raw)
	if !ok {
		return "", "", fmt.Errorf("%s is not a phone number in international format (+ and country code, e.g. +447400123456)", quote(raw))
	}
	num, perr := phonenumbers.Parse("+"+digits, "")
	if perr != nil || !phonenumbers.IsValidNumber(num) {
		return "", "", fmt.Errorf("%s is not a valid phone number: no such number exists in that country's numbering plan", quote(raw))
	}
	e164 = phonenumbers.Format(num, phonenumbers.E164)
	country = phonenumbers.GetRegionCodeForNumber(num)
	if !isAlpha2(country) {
		country = ""
	}
	return e164, country, nil
}

// numberDigits returns the digits of a number written in international form
// (with "+", "00" or no prefix), and whether raw is such a number.
func numberDigits(raw string) (string, bool) {
	if len(raw) > maxInput {
		return "", false
	}
	s := strings.TrimSpace(raw)
	s = strings.TrimPrefix(s, "+")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteByte(byte(r))
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || r == '\u00a0':
		default:
			return "", false
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "00") {
		d = d[2:]
	}
	if len(d) < 4 || len(d) > 17 || d[0] == '0' {
		return "", false
	}
	return d, true
}

// SenderKind says what sort of sender a message came from.
type SenderKind string

// The sender kinds.
const (
	KindInternational SenderKind = "international" // a full number with its country code
	KindNational      SenderKind = "national"      // a number written in the receiving country's national form
	KindShortcode     SenderKind = "shortcode"     // a short numeric code such as 9009
	KindAlphanumeric  SenderKind = "alphanumeric"  // a name such as "WhatsApp"
)

// MaxKeyLen is the most bytes a sender key has.
const MaxKeyLen = 64

// maxDisplay is the most characters of a sender's display form.
const maxDisplay = 64

// maxShortcode is the most digits of a numeric sender taken as a short code
// when it is not a valid full number.
const maxShortcode = 8

// SenderKey maps a sender as received to its stable URL key, a display form
// and its kind. region is the receiving number's country (ISO alpha-2, any
// case, may be empty); national numbers are read in it.
//
// A sender without letters is numeric: its key is its digits, with the
// country code for a full number ("+49 176 1234 5678", "004917612345678",
// and "017612345678" received in DE all give "4917612345678"), and it shows
// as "+4917612345678"; a short code ("9009", "+9009") is its digits and
// shows as "9009". Any other sender is alphanumeric: its key is lower case,
// Latin letters without accents, other letters kept (lower case, NFC), each
// run of other characters one "-", trimmed of "-" at either end, at most 64
// bytes ("G-Pay" gives "g-pay"); it shows as received, trimmed. A sender
// with no letters or digits gives an error.
func SenderKey(raw, region string) (key, display string, kind SenderKind, err error) {
	if len(raw) > maxInput {
		return "", "", "", fmt.Errorf("sender %s is longer than %d bytes", quote(raw), maxInput)
	}
	clean := cleanText(raw)
	if hasLetter(clean) {
		key = alnumKey(clean)
		if key == "" {
			return "", "", "", fmt.Errorf("sender %s has no letters or digits", quote(raw))
		}
		return key, truncRunes(clean, maxDisplay), KindAlphanumeric, nil
	}
	intl, digits := senderDigits(clean)
	if digits == "" {
		return "", "", "", fmt.Errorf("sender %s has no letters or digits", quote(raw))
	}
	key, display, kind = numericSender(digits, intl, strings.ToUpper(strings.TrimSpace(region)))
	if len(key) > MaxKeyLen {
		key = key[:MaxKeyLen]
	}
	return key, truncRunes(display, maxDisplay), kind, nil
}

// numericSender classifies a numeric sender given as digits, intl saying
// whether it carried "+" or "00".
func numericSender(digits string, intl bool, region string) (key, display string, kind SenderKind) {
	if !intl && isAlpha2(region) {
		if num, err := phonenumbers.Parse(digits, region); err == nil && phonenumbers.IsValidNumber(num) {
			key = e164Digits(num)
			if key == digits {
				return key, "+" + key, KindInternational
			}
			return key, "+" + key, KindNational
		}
	}
	if len(digits) <= 17 {
		if num, err := phonenumbers.Parse("+"+digits, ""); err == nil && phonenumbers.IsValidNumber(num) {
			key = e164Digits(num)
			return key, "+" + key, KindInternational
		}
	}
	switch {
	case len(digits) <= maxShortcode:
		// A short code keeps the "+" it came with, as the operator's own
		// listings show it ("+9009"); its key is the digits either way.
		if intl {
			return digits, "+" + digits, KindShortcode
		}
		return digits, digits, KindShortcode
	case intl:
		return digits, "+" + digits, KindInternational
	case digits[0] == '0':
		return digits, digits, KindNational
	default:
		return digits, "+" + digits, KindInternational
	}
}

func e164Digits(num *phonenumbers.PhoneNumber) string {
	return strconv.Itoa(int(num.GetCountryCode())) + phonenumbers.GetNationalSignificantNumber(num)
}

// senderDigits returns the ASCII digits of a sender without letters, and
// whether it began with an international prefix ("+" or "00").
func senderDigits(s string) (intl bool, digits string) {
	var b strings.Builder
	for _, r := range s {
		if v := digitValue(r); v >= 0 {
			b.WriteByte(byte('0' + v))
		} else if r == '+' && b.Len() == 0 {
			intl = true
		}
	}
	digits = b.String()
	if strings.HasPrefix(digits, "00") && len(digits) > 2 {
		intl = true
		digits = digits[2:]
	}
	return intl, digits
}

// cleanText drops invalid UTF-8, control and format characters (such as
// bidirectional overrides and zero-width joiners), turns every run of white
// space into one space and trims the ends.
func cleanText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		switch {
		case r == utf8.RuneError && size <= 1:
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// digitValue returns the value of a decimal digit of any script, -1 for
// anything else.
func digitValue(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if !unicode.IsDigit(r) {
		return -1
	}
	// Decimal digits come in contiguous runs of whole sets of ten.
	start := r
	for unicode.IsDigit(start - 1) {
		start--
	}
	return int(r-start) % 10
}

func isAlpha2(cc string) bool {
	return len(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z'
}

// quote renders untrusted input for an error sentence: valid UTF-8, at most
// 40 characters, with control and format characters escaped.
func quote(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) > 40 {
		s = truncRunes(s, 40) + "…"
	}
	return strconv.Quote(s)
}

func truncRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// CountryName is the English name of an ISO 3166-1 alpha-2 country ("GB"
// gives "United Kingdom"); any other input is returned as given.
func CountryName(cc string) string {
	if len(cc) != 2 {
		return cc
	}
	r, err := language.ParseRegion(cc)
	if err != nil || !r.IsCountry() {
		return cc
	}
	name := display.English.Regions().Name(r)
	if name == "" {
		return cc
	}
	return name
}

// Flag is the emoji flag of an ISO 3166-1 alpha-2 country, a pair of
// regional indicator symbols ("GB" gives "🇬🇧"), or "" when cc is not an
// assigned country code.
func Flag(cc string) string {
	up := strings.ToUpper(cc)
	if !isAlpha2(up) {
		return ""
	}
	r, err := language.ParseRegion(up)
	if err != nil || !r.IsCountry() || r.Canonicalize().String() != up {
		return ""
	}
	const base = 0x1F1E6 - 'A'
	return string([]rune{rune(up[0]) + base, rune(up[1]) + base})
}

// Pretty formats an E.164 number in international notation
// ("+447400123456" gives "+44 7400 123456"); input that does not parse is
// returned unchanged.
func Pretty(e164 string) string {
	if len(e164) > 32 || !strings.HasPrefix(e164, "+") {
		return e164
	}
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}
