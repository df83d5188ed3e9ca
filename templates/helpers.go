package templates

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"

	"smsinbox/store"
	"smsinbox/store/phone"
)

// RelTime says how long before now t was, as the page script also does.
func RelTime(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 10:
		return "just now"
	case s < 60:
		return strconv.FormatInt(s, 10) + " sec ago"
	case s < 3600:
		return strconv.FormatInt(s/60, 10) + " min ago"
	case s < 86400:
		return strconv.FormatInt(s/3600, 10) + " h ago"
	case s < 30*86400:
		if s/86400 == 1 {
			return "1 day ago"
		}
		return strconv.FormatInt(s/86400, 10) + " days ago"
	}
	return t.UTC().Format("2 Jan 2006")
}

// ExactTime is t for a tooltip.
func ExactTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// ISOTime is t for a datetime attribute.
func ISOTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Day is t as a date.
func Day(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2 Jan 2006")
}

// Duration is a short human delay ("2.4 s", "1 min 5 s").
func Duration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	case d < time.Minute:
		return strconv.FormatInt(int64(d/time.Second), 10) + " s"
	case d < time.Hour:
		m, s := int64(d/time.Minute), int64(d%time.Minute/time.Second)
		if s == 0 {
			return fmt.Sprintf("%d min", m)
		}
		return fmt.Sprintf("%d min %d s", m, s)
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int64(d/time.Hour), int64(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%d days", int64(d/(24*time.Hour)))
}

// Seconds formats a delay given in seconds.
func Seconds(s float64) string { return Duration(time.Duration(s * float64(time.Second))) }

// Count formats n with thousands separators.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Plural is "1 message", "2 messages".
func Plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Count(n) + " " + many
}

// NumberURL is a number's page.
func NumberURL(e164 string) string { return "/number/" + strings.TrimPrefix(e164, "+") }

// SenderURL is a sender's page.
func SenderURL(key string) string { return "/sender/" + url.PathEscape(key) }

// CountryURL is a country's page.
func CountryURL(cc string) string { return "/country/" + strings.ToLower(cc) }

// MessageURL is a message's permalink.
func MessageURL(id int64) string { return "/message/" + strconv.FormatInt(id, 10) }

// CountryName is the English name of a country code.
func CountryName(cc string) string {
	return countryNames.get(cc, func(cc string) string { return phone.CountryName(strings.ToUpper(cc)) })
}

// Flag is a country's emoji flag.
func Flag(cc string) string { return phone.Flag(cc) }

// Pretty formats a number for reading.
func Pretty(e164 string) string { return prettyNumbers.get(e164, phone.Pretty) }

// memo remembers the results of a pure function of the few receiving
// numbers and countries a site has, up to a bound.
type memo struct {
	m sync.Map
	n atomic.Int64
}

const memoMax = 4096

var prettyNumbers, countryNames memo

func (c *memo) get(k string, f func(string) string) string {
	if v, ok := c.m.Load(k); ok {
		return v.(string)
	}
	v := f(k)
	if c.n.Add(1) <= memoMax {
		c.m.Store(k, v)
	}
	return v
}

// Fresh reports whether a number received a message in the last day.
func Fresh(now, t time.Time) bool { return !t.IsZero() && now.Sub(t) < 24*time.Hour }

// Alphabet names a code's alphabet.
func Alphabet(a string) string {
	switch a {
	case "digits":
		return "digits"
	case "letters":
		return "letters"
	case "alnum":
		return "letters and digits"
	}
	return a
}

// LanguageName names an ISO 639-1 language.
func LanguageName(code string) string {
	if code == "" {
		return ""
	}
	if n, ok := languages[code]; ok {
		return n
	}
	return strings.ToUpper(code)
}

var languages = map[string]string{
	"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
	"nl": "Dutch", "ru": "Russian", "uk": "Ukrainian", "pl": "Polish", "tr": "Turkish", "ar": "Arabic",
	"zh": "Chinese", "ja": "Japanese", "ko": "Korean", "hi": "Hindi", "id": "Indonesian", "vi": "Vietnamese",
	"th": "Thai", "sv": "Swedish", "fi": "Finnish", "da": "Danish", "no": "Norwegian", "cs": "Czech",
	"el": "Greek", "he": "Hebrew", "ro": "Romanian", "hu": "Hungarian", "bg": "Bulgarian", "fa": "Persian",
}

// CodeLength is one bar of the code length distribution.
type CodeLength struct {
	Length   int
	Messages int64
	Max      int64
}

// CodeLengths orders a profile's code lengths for display.
func CodeLengths(m map[int]int64) []CodeLength {
	var out []CodeLength
	var top int64
	for l, n := range m {
		out = append(out, CodeLength{Length: l, Messages: n})
		top = max(top, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Length < out[j].Length })
	for i := range out {
		out[i].Max = top
	}
	return out
}

// Delay is a message's delivery delay in words, "" when unknown.
func Delay(m store.Message) string {
	d, ok := m.Delay()
	if !ok {
		return ""
	}
	return Duration(d)
}

// Itoa formats an int.
func Itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

// CodeLabel is the accessible name of a code's copy button.
func CodeLabel(code string) string { return "Copy code " + code }

// SenderTitle is the heading of a sender's page.
func SenderTitle(display string) string { return "SMS Messages From " + display }

// NumberStatus is the words for a number's status.
func NumberStatus(n store.Number) string {
	if n.Status == store.StatusRetired {
		return "retired"
	}
	return "active"
}

func showing(shown int, total int64) string {
	if int64(shown) >= total {
		return "all are shown below, newest first"
	}
	return "the newest " + Count(int64(shown)) + " are shown below"
}

func showingResults(n int) string {
	if n == 1 {
		return "1 message"
	}
	return Count(int64(n)) + " messages"
}

// contactURL turns a contact (an e-mail address or a web address) into a
// link.
func contactURL(contact string) templ.SafeURL {
	if strings.Contains(contact, "@") && !strings.Contains(contact, "/") {
		return templ.SafeURL("mailto:" + url.PathEscape(contact))
	}
	if u, ok := webURL(contact); ok {
		return templ.SafeURL(u)
	}
	return templ.SafeURL("#")
}
