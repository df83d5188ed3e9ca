package api

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"smsinbox/store"
	"smsinbox/store/jsonl"
	"smsinbox/store/phone"
)

// list is the shape of every listing: a page of items and the before value
// of the next (older) page, null on the last page.
type list[T any] struct {
	Items []T     `json:"items"`
	Next  *string `json:"next"`
}

func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	l := list[T]{Items: items}
	if next != "" {
		l.Next = &next
	}
	return l
}

// message is a message as the API answers it: the export fields, its
// template and the address of its page.
type message struct {
	jsonl.Record
	Template string `json:"template"`
	URL      string `json:"url"`
}

type number struct {
	Number        string     `json:"number"`
	Digits        string     `json:"digits"`
	Display       string     `json:"display"`
	Country       string     `json:"country"`
	Label         string     `json:"label"`
	Status        string     `json:"status"`
	AddedAt       time.Time  `json:"added_at"`
	LastMessageAt *time.Time `json:"last_message_at"`
	Messages      int64      `json:"messages"`
	URL           string     `json:"url"`
}

type sender struct {
	Key       string    `json:"key"`
	Display   string    `json:"display"`
	Messages  int64     `json:"messages"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	URL       string    `json:"url"`
}

type format struct {
	Template   string `json:"template"`
	Messages   int64  `json:"messages"`
	CodeLength int    `json:"code_length"`
	Alphabet   string `json:"alphabet"`
	Language   string `json:"language"`
	ExampleID  int64  `json:"example_id"`
}

type delay struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
}

type senderProfile struct {
	sender
	Formats         []format         `json:"formats"`
	CodeLengths     map[string]int64 `json:"code_lengths"`
	DeliverySeconds *delay           `json:"delivery_seconds,omitempty"`
	Numbers         []string         `json:"numbers"`
	Countries       []string         `json:"countries"`
}

type country struct {
	Code          string     `json:"code"`
	Name          string     `json:"name"`
	Numbers       int64      `json:"numbers"`
	Messages      int64      `json:"messages"`
	LastMessageAt *time.Time `json:"last_message_at"`
	URL           string     `json:"url"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func (h *Handlers) link(path string) string { return h.base + path }

func (h *Handlers) messageOf(m store.Message) message {
	return message{Record: jsonl.RecordOf(m), Template: m.Template, URL: h.link("/message/" + strconv.FormatInt(m.ID, 10))}
}

func (h *Handlers) messagesOf(ms []store.Message) []message {
	out := make([]message, len(ms))
	for i, m := range ms {
		out[i] = h.messageOf(m)
	}
	return out
}

func (h *Handlers) numberOf(n store.Number) number {
	return number{
		Number:        n.E164,
		Digits:        n.Digits(),
		Display:       phone.Pretty(n.E164),
		Country:       n.Country,
		Label:         n.Label,
		Status:        n.Status,
		AddedAt:       n.AddedAt.UTC(),
		LastMessageAt: optTime(n.LastMessageAt),
		Messages:      n.Messages,
		URL:           h.link("/number/" + n.Digits()),
	}
}

func (h *Handlers) senderOf(s store.Sender) sender {
	return sender{
		Key:       s.Key,
		Display:   s.Display,
		Messages:  s.Messages,
		FirstSeen: s.FirstSeen.UTC(),
		LastSeen:  s.LastSeen.UTC(),
		URL:       h.link("/sender/" + url.PathEscape(s.Key)),
	}
}

func (h *Handlers) profileOf(p store.Profile) senderProfile {
	out := senderProfile{
		sender:      h.senderOf(p.Sender),
		Formats:     make([]format, 0, len(p.Formats)),
		CodeLengths: map[string]int64{},
		Numbers:     make([]string, 0, len(p.Numbers)),
		Countries:   make([]string, 0, len(p.Countries)),
	}
	for _, f := range p.Formats {
		out.Formats = append(out.Formats, format{Template: f.Template, Messages: f.Messages, CodeLength: f.CodeLength,
			Alphabet: f.Alphabet, Language: f.Language, ExampleID: f.ExampleID})
	}
	for l, n := range p.CodeLengths {
		out.CodeLengths[strconv.Itoa(l)] = n
	}
	if p.DelayKnown {
		out.DeliverySeconds = &delay{P50: p.DelayP50, P90: p.DelayP90}
	}
	for _, n := range p.Numbers {
		out.Numbers = append(out.Numbers, n.E164)
	}
	out.Countries = append(out.Countries, p.Countries...)
	return out
}

func (h *Handlers) countryOf(c store.Country) country {
	cc := strings.ToUpper(c.Code)
	return country{
		Code:          cc,
		Name:          phone.CountryName(cc),
		Numbers:       c.Numbers,
		Messages:      c.Messages,
		LastMessageAt: optTime(c.LastMessageAt),
		URL:           h.link("/country/" + strings.ToLower(cc)),
	}
}

// newestFirst orders messages as every listing does: by received time,
// then id, newest first.
func newestFirst(ms []store.Message) {
	sort.Slice(ms, func(i, j int) bool {
		if !ms[i].ReceivedAt.Equal(ms[j].ReceivedAt) {
			return ms[i].ReceivedAt.After(ms[j].ReceivedAt)
		}
		return ms[i].ID > ms[j].ID
	})
}
