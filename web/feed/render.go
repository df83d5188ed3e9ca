package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/feeds"

	"smsinbox/store"
	"smsinbox/store/phone"
)

// futureSlack is how far a network timestamp may lie after the time the
// message was received before it is taken for a wrong clock.
const futureSlack = 5 * time.Minute

// published is the time a feed gives a message: the network (SMSC)
// timestamp when known and believable, otherwise the time it was received.
func published(m store.Message) time.Time {
	t := m.ReceivedAt
	if !m.SentAt.IsZero() && !m.SentAt.After(m.ReceivedAt.Add(futureSlack)) {
		t = m.SentAt
	}
	return t.UTC().Truncate(time.Second)
}

// item is one message with everything the formats show of it.
type item struct {
	msg       store.Message
	url       string
	numberURL string
	senderURL string
	title     string
	text      string // the body as plain text
	html      string // the body, code and links as HTML
	textHTML  string // the body alone as HTML
	time      time.Time
}

func (h *Handlers) items(msgs []store.Message) []item {
	out := make([]item, len(msgs))
	pretties := map[string]string{}
	countries := map[string]string{}
	for i, m := range msgs {
		it := item{
			msg:       m,
			url:       h.base + "/message/" + strconv.FormatInt(m.ID, 10),
			numberURL: h.base + "/number/" + m.NumberDigits(),
			senderURL: h.base + "/sender/" + url.PathEscape(m.SenderKey),
			time:      published(m),
		}
		pretty, ok := pretties[m.Number]
		if !ok {
			pretty = phone.Pretty(m.Number)
			pretties[m.Number] = pretty
		}
		country, ok := countries[m.Country]
		if !ok {
			country = phone.CountryName(m.Country)
			countries[m.Country] = country
		}
		sender := plainName(m.SenderDisplay)
		if sender == "" {
			sender = m.SenderKey
		}
		it.title = sender + " → " + pretty
		it.text = m.Body
		if len(m.Binary) > 0 && m.Body == "" {
			it.text = "(binary content of " + strconv.Itoa(len(m.Binary)) + " bytes, not shown)"
		}
		it.textHTML = textToHTML(it.text)
		var b strings.Builder
		b.WriteString("<p>")
		b.WriteString(it.textHTML)
		b.WriteString("</p>")
		if m.Incomplete {
			b.WriteString("<p><em>Part of this message never arrived.</em></p>")
		}
		if m.Code != "" {
			b.WriteString("<p>Code: <strong>")
			b.WriteString(html.EscapeString(m.Code))
			b.WriteString("</strong></p>")
		}
		b.WriteString(`<p>From <a href="`)
		b.WriteString(html.EscapeString(it.senderURL))
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(sender))
		b.WriteString(`</a> to <a href="`)
		b.WriteString(html.EscapeString(it.numberURL))
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(pretty))
		b.WriteString(`</a>`)
		if country != m.Country {
			b.WriteString(" (")
			b.WriteString(html.EscapeString(country))
			b.WriteString(")")
		}
		b.WriteString(`, received `)
		b.WriteString(m.ReceivedAt.UTC().Format(time.RFC3339))
		b.WriteString(`. <a href="`)
		b.WriteString(html.EscapeString(it.url))
		b.WriteString(`">Permalink</a></p>`)
		it.html = b.String()
		out[i] = it
	}
	return out
}

// textToHTML escapes text for HTML and keeps its line breaks.
func textToHTML(s string) string {
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>\n")
}

// plainName makes a sender's name safe to show inside a title: no control
// characters, and no bidirectional embeddings, overrides or isolates that
// would reorder the rest of the title.
func plainName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			return -1
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			return -1
		}
		return r
	}, s)
}

// xmlText replaces what XML 1.0 cannot carry (most C0 control characters,
// U+FFFE and U+FFFF) with U+FFFD.
func xmlText(s string) string {
	ok := true
	for _, r := range s {
		if !xmlChar(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if xmlChar(r) {
			return r
		}
		return utf8.RuneError
	}, s)
}

func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0a || r == 0x0d ||
		(r >= 0x20 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || (r >= 0x10000 && r <= 0x10ffff)
}

// updated is the time of a feed: its newest item's, or when the listing
// began for an empty one.
func updated(sc scope, items []item) time.Time {
	var t time.Time
	for _, it := range items {
		if it.time.After(t) {
			t = it.time
		}
	}
	if t.IsZero() {
		t = sc.since
	}
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Truncate(time.Second)
}

// base builds the format-neutral feed; clean is applied to every text.
func (h *Handlers) feedOf(sc scope, items []item, clean func(string) string) *feeds.Feed {
	f := &feeds.Feed{
		Title:       clean(sc.title),
		Link:        &feeds.Link{Href: sc.page},
		Description: clean(sc.description),
		Author:      &feeds.Author{Name: h.host},
		Updated:     updated(sc, items),
		Id:          sc.page,
	}
	for _, it := range items {
		f.Add(&feeds.Item{
			Title:       clean(it.title),
			Link:        &feeds.Link{Href: it.url},
			Author:      &feeds.Author{Name: clean(plainName(it.msg.SenderDisplay))},
			Description: clean(it.textHTML),
			Id:          it.url,
			IsPermaLink: "true",
			Created:     it.time,
			Updated:     it.time,
			Content:     clean(it.html),
		})
	}
	return f
}

func (h *Handlers) render(f format, sc scope, self string, msgs []store.Message) ([]byte, error) {
	items := h.items(msgs)
	switch f.name {
	case "rss":
		return h.rss(sc, self, items)
	case "atom":
		return h.atom(sc, self, items)
	default:
		return h.jsonFeed(sc, self, items)
	}
}

// RSS 2.0, with the Atom namespace for the channel's self link.

type rssDoc struct {
	XMLName   xml.Name `xml:"rss"`
	Version   string   `xml:"version,attr"`
	ContentNS string   `xml:"xmlns:content,attr"`
	AtomNS    string   `xml:"xmlns:atom,attr"`
	Channel   rssChannel
}

type rssChannel struct {
	*feeds.RssFeed
	Self  selfLink
	Items []*feeds.RssItem `xml:"item"`
}

type selfLink struct {
	XMLName xml.Name `xml:"atom:link"`
	Href    string   `xml:"href,attr"`
	Rel     string   `xml:"rel,attr"`
	Type    string   `xml:"type,attr"`
}

func (h *Handlers) rss(sc scope, self string, items []item) ([]byte, error) {
	ch := (&feeds.Rss{Feed: h.feedOf(sc, items, xmlText)}).RssFeed()
	ch.Language = h.lang
	ch.Generator = "smsinbox"
	ch.Ttl = int(maxAge / time.Minute)
	ch.ManagingEditor = ""
	rssItems := ch.Items
	ch.Items = nil
	for _, it := range rssItems {
		it.Author = "" // RSS wants an e-mail address here; senders have none
	}
	doc := rssDoc{
		Version:   "2.0",
		ContentNS: "http://purl.org/rss/1.0/modules/content/",
		AtomNS:    "http://www.w3.org/2005/Atom",
		Channel: rssChannel{
			RssFeed: ch,
			Self:    selfLink{Href: self, Rel: "self", Type: formatRSS.contentType[:strings.IndexByte(formatRSS.contentType, ';')]},
			Items:   rssItems,
		},
	}
	return encodeXML(doc)
}

// Atom 1.0.

type atomDoc struct {
	XMLName  xml.Name `xml:"feed"`
	Xmlns    string   `xml:"xmlns,attr"`
	Lang     string   `xml:"xml:lang,attr,omitempty"`
	Title    string   `xml:"title"`
	Subtitle string   `xml:"subtitle,omitempty"`
	ID       string   `xml:"id"`
	Updated  string   `xml:"updated"`
	Links    []feeds.AtomLink
	Author   *feeds.AtomAuthor
	Gen      string             `xml:"generator,omitempty"`
	Entries  []*feeds.AtomEntry `xml:"entry"`
}

func (h *Handlers) atom(sc scope, self string, items []item) ([]byte, error) {
	af := (&feeds.Atom{Feed: h.feedOf(sc, items, xmlText)}).AtomFeed()
	for i, e := range af.Entries {
		it := items[i]
		e.Published = it.time.Format(time.RFC3339)
		e.Summary = &feeds.AtomSummary{Type: "text", Content: xmlText(it.text)}
		e.Links = append(e.Links,
			feeds.AtomLink{Href: it.numberURL, Rel: "related", Type: "text/html"},
			feeds.AtomLink{Href: it.senderURL, Rel: "related", Type: "text/html"})
		e.Links[0].Type = "text/html"
	}
	doc := atomDoc{
		Xmlns:    "http://www.w3.org/2005/Atom",
		Lang:     h.lang,
		Title:    af.Title,
		Subtitle: af.Subtitle,
		ID:       af.Id,
		Updated:  af.Updated,
		Links: []feeds.AtomLink{
			{Href: sc.page, Rel: "alternate", Type: "text/html"},
			{Href: self, Rel: "self", Type: "application/atom+xml"},
		},
		Author:  af.Author,
		Gen:     "smsinbox",
		Entries: af.Entries,
	}
	return encodeXML(doc)
}

func encodeXML(doc any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// JSON Feed 1.1. The feeds package knows the item shape; the document is
// written here so that it carries language, feed_url and an items array
// even when empty.

type jsonDoc struct {
	Version     string              `json:"version"`
	Title       string              `json:"title"`
	HomePageURL string              `json:"home_page_url"`
	FeedURL     string              `json:"feed_url"`
	Description string              `json:"description,omitempty"`
	Language    string              `json:"language,omitempty"`
	Authors     []*feeds.JSONAuthor `json:"authors,omitempty"`
	Items       []jsonItem          `json:"items"`
}

type jsonItem struct {
	*feeds.JSONItem
	Ext jsonExt `json:"_smsinbox"`
}

// jsonExt is the feed's extension object: the message's facts for
// programs, under the key "_smsinbox" as JSON Feed 1.1 names extensions.
type jsonExt struct {
	MessageID  int64      `json:"message_id"`
	Number     string     `json:"number"`
	NumberURL  string     `json:"number_url"`
	Country    string     `json:"country"`
	Sender     string     `json:"sender"`
	SenderKey  string     `json:"sender_key"`
	SenderURL  string     `json:"sender_url"`
	Code       string     `json:"code,omitempty"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
	ReceivedAt time.Time  `json:"received_at"`
	Incomplete bool       `json:"incomplete,omitempty"`
}

func (h *Handlers) jsonFeed(sc scope, self string, items []item) ([]byte, error) {
	jf := (&feeds.JSON{Feed: h.feedOf(sc, items, func(s string) string { return s })}).JSONFeed()
	doc := jsonDoc{
		Version:     "https://jsonfeed.org/version/1.1",
		Title:       jf.Title,
		HomePageURL: jf.HomePageUrl,
		FeedURL:     self,
		Description: jf.Description,
		Language:    h.lang,
		Authors:     []*feeds.JSONAuthor{{Name: h.host, Url: h.base + "/"}},
		Items:       make([]jsonItem, len(jf.Items)),
	}
	for i, ji := range jf.Items {
		it := items[i]
		m := it.msg
		ji.ContentText = it.text
		ji.ContentHTML = it.html
		ji.Summary = ""
		if m.Code != "" {
			ji.Summary = "Code: " + m.Code
		}
		ji.Author = nil
		ji.ModifiedDate = nil
		ext := jsonExt{
			MessageID:  m.ID,
			Number:     m.Number,
			NumberURL:  it.numberURL,
			Country:    m.Country,
			Sender:     m.SenderDisplay,
			SenderKey:  m.SenderKey,
			SenderURL:  it.senderURL,
			Code:       m.Code,
			ReceivedAt: m.ReceivedAt.UTC(),
			Incomplete: m.Incomplete,
		}
		if !m.SentAt.IsZero() {
			t := m.SentAt.UTC()
			ext.SentAt = &t
		}
		doc.Items[i] = jsonItem{JSONItem: ji, Ext: ext}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
