package phone

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// latinFold spells Latin letters that have no decomposition in ASCII.
var latinFold = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d",
	'ð': "d", 'þ': "th", 'ı': "i", 'ħ': "h", 'ŧ': "t", 'ĸ': "k", 'ŀ': "l",
}

// alnumKey builds the key of an alphanumeric sender: compatibility forms
// folded (full-width letters, ligatures), lower case, Latin letters without
// accents, other letters and their marks kept (NFC), digits of any script as
// ASCII digits, every run of anything else one "-", no "-" at either end, at
// most MaxKeyLen bytes.
func alnumKey(s string) string {
	s = norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	prevLatin := false // the last base character kept was a Latin letter
	prevKept := false  // the last character was kept (so a mark may follow)
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Me, r):
			if prevKept && !prevLatin {
				b.WriteRune(r)
			}
			continue
		case unicode.IsLetter(r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			lr := unicode.ToLower(r)
			prevLatin = unicode.Is(unicode.Latin, r)
			if f, ok := latinFold[lr]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(lr)
			}
			prevKept = true
		case digitValue(r) >= 0:
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteByte(byte('0' + digitValue(r)))
			prevLatin, prevKept = true, true
		default:
			dash = true
			prevLatin, prevKept = false, false
		}
	}
	key := norm.NFC.String(b.String())
	if len(key) > MaxKeyLen {
		cut := MaxKeyLen
		for cut > 0 && !isRuneStart(key[cut]) {
			cut--
		}
		key = strings.TrimRight(key[:cut], "-")
	}
	return key
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
