package templates

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Part kinds of a message body.
const (
	PartText = iota
	PartLink
	PartCode
)

// Part is a piece of a message body: plain text, a web link or the
// extracted code. Bodies are shown as these parts, never as markup.
type Part struct {
	Kind int
	Text string
	URL  string // for PartLink: an http or https URL
}

// BodyParts splits an untrusted body into text, links (http and https
// only) and the first occurrence of code. Control characters become their
// visible Unicode pictures.
func BodyParts(body, code string) []Part {
	body = visibleControls(body)
	var out []Part
	codeDone := code == ""
	addText := func(s string) {
		if s == "" {
			return
		}
		if !codeDone {
			if i := strings.Index(s, code); i >= 0 {
				codeDone = true
				if i > 0 {
					out = append(out, Part{Kind: PartText, Text: s[:i]})
				}
				out = append(out, Part{Kind: PartCode, Text: code})
				if rest := s[i+len(code):]; rest != "" {
					out = append(out, Part{Kind: PartText, Text: rest})
				}
				return
			}
		}
		out = append(out, Part{Kind: PartText, Text: s})
	}
	for len(body) > 0 {
		i := findScheme(body)
		if i < 0 {
			addText(body)
			break
		}
		end := i + urlLen(body[i:])
		raw := body[i:end]
		if u, ok := webURL(raw); ok {
			addText(body[:i])
			out = append(out, Part{Kind: PartLink, Text: raw, URL: u})
		} else {
			addText(body[:end])
		}
		if end == i { // cannot happen: a scheme has length; guard the loop anyway
			end = i + 1
		}
		body = body[end:]
	}
	return out
}

// findScheme is the index of the next "http://" or "https://" (any case)
// that starts a word, or -1.
func findScheme(s string) int {
	lower := strings.ToLower(s)
	from := 0
	for {
		i := strings.Index(lower[from:], "http")
		if i < 0 {
			return -1
		}
		i += from
		rest := lower[i:]
		if strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://") {
			if i == 0 {
				return i
			}
			r, _ := utf8.DecodeLastRuneInString(s[:i])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return i
			}
		}
		from = i + 4
	}
}

// urlLen is the length of the URL at the start of s: up to white space or
// a character that cannot end a URL in prose.
func urlLen(s string) int {
	end := len(s)
	for i, r := range s {
		if unicode.IsSpace(r) || r == '<' || r == '>' || r == '"' || r == '`' || r < 0x20 || (r >= 0x2400 && r <= 0x2421) || unicode.Is(unicode.Bidi_Control, r) {
			end = i
			break
		}
	}
	u := s[:end]
	// Trailing punctuation belongs to the sentence, and a closing bracket
	// only to the URL when it opened one.
	for len(u) > 0 {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?'*", last) >= 0:
			u = u[:len(u)-1]
			continue
		case last == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
			u = u[:len(u)-1]
			continue
		case last == ']' && strings.Count(u, "[") < strings.Count(u, "]"):
			u = u[:len(u)-1]
			continue
		}
		break
	}
	return len(u)
}

// webURL checks that raw is an absolute http or https URL with a host and
// returns it in a form safe for an href.
func webURL(raw string) (string, bool) {
	if len(raw) > 2048 {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
		return "", false
	}
	if u.Host == "" || u.User != nil || strings.ContainsAny(u.Host, " \\") {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u.String(), true
}

// visibleControls shows control characters (other than line breaks and
// tabs) as their Unicode pictures, so that they are seen rather than
// acted on.
func visibleControls(s string) string {
	clean := true
	for _, r := range s {
		if isControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 && r != '\n' && r != '\t' && r != '\r':
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune(0x2421)
		case r >= 0x80 && r <= 0x9f:
			b.WriteRune(0xFFFD)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t' && r != '\r') || (r >= 0x7f && r <= 0x9f)
}

// Visible is text with its control characters made visible, for sender
// names and other short untrusted strings.
func Visible(s string) string { return visibleControls(s) }
