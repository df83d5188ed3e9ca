package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// intlNumber puts "+" in front of a number that a provider documents as
// international without it ("447700900123"), so that it is never read as a
// national number. Short codes and anything with other characters are kept.
func intlNumber(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 8 || len(s) > 15 {
		return s
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return s
		}
	}
	return "+" + s
}

// partCount reads how many SMS parts a provider says a message was made
// of; anything that is not a small positive number gives 0 (unknown).
func partCount(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 255 {
		return 0
	}
	return n
}

// first returns the first non-empty value among the named fields.
func first(get func(string) string, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(get(n)); v != "" {
			return v
		}
	}
	return ""
}

// coalesce returns the first value that is not blank, trimmed.
func coalesce(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// timeLayouts are the time forms gateways use: RFC 3339, Infobip's offset
// without a colon, and the space-separated UTC forms of Vonage and Jasmin.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// parseTime reads a time in one of timeLayouts (a time without an offset is
// UTC) or a unix time in seconds or milliseconds. Empty gives the zero time.
func parseTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return time.Time{}, nil
	}
	if t, ok := unixTime(s); ok {
		return t, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return time.Time{}, badRequestf("The field %q is not a time such as 2026-11-20T10:00:03Z: %q.", field, s)
}

// unixTime reads unix seconds or, for values too large to be seconds,
// milliseconds (Android apps send those).
func unixTime(s string) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e14 {
		return time.Time{}, false
	}
	if f >= 1e11 {
		return time.UnixMilli(int64(f)).UTC(), true
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// decodeUTF16 decodes big-endian UTF-16 (what UCS-2 SMS text is); a lone
// surrogate becomes U+FFFD.
func decodeUTF16(b []byte) (string, bool) {
	if len(b)%2 != 0 {
		return "", false
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u)), true
}

// decodeLatin1 reads ISO 8859-1 bytes.
func decodeLatin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// decodeText turns message bytes in a gateway's charset into text. charset
// is compared case-insensitively; an empty or UTF-8 charset must hold valid
// UTF-8.
func decodeText(b []byte, charset string) (string, error) {
	switch strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(charset), "_", "-")) {
	case "UTF-16BE", "UTF-16", "UCS-2", "UCS2", "UCS-2BE":
		s, ok := decodeUTF16(b)
		if !ok {
			return "", badRequest("The UCS-2 text has an odd number of bytes.")
		}
		return s, nil
	case "ISO-8859-1", "LATIN1", "LATIN-1", "ISO8859-1", "WINDOWS-1252", "CP1252":
		return decodeLatin1(b), nil
	case "", "UTF-8", "UTF8", "US-ASCII", "ASCII":
		if !utf8.Valid(b) {
			return "", badRequest("The message is not valid UTF-8.")
		}
		return string(b), nil
	}
	return "", badRequestf("The charset %q is not supported; use UTF-8.", clip(charset, 30))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// jsonString reads a JSON value that should be text: a string as is, a
// number as written, true/false; null, objects and arrays give "".
func jsonString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case '{', '[', 'n':
		return ""
	default:
		return string(raw)
	}
	return ""
}

// decodeJSON unmarshals a JSON body into v, after checking that it is
// valid UTF-8 (encoding/json would silently replace bad bytes).
func decodeJSON(body []byte, v any) error {
	if !utf8.Valid(body) {
		return badRequest("The body is not valid UTF-8.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return badRequestf("The field %q has the wrong JSON type (%s).", te.Field, te.Value)
		}
		return badRequest("The body is not valid JSON.")
	}
	return nil
}
