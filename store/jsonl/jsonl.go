// Package jsonl is the JSON-lines form of messages: the objects that
// `smsinbox import` and `POST /ingest/json` read, and the objects that
// `smsinbox export` and the JSON API write.
package jsonl

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"smsinbox/store"
)

// Record is one message as export and the API write it. Times are RFC 3339
// in UTC; sent_at is absent when the network time is unknown, code when no
// verification code was found, binary unless the message has binary content
// (then body is empty).
type Record struct {
	MessageID  int64      `json:"message_id"`
	To         string     `json:"to"`
	Number     string     `json:"number"`
	Country    string     `json:"country"`
	From       string     `json:"from"`
	SenderKey  string     `json:"sender_key"`
	Body       string     `json:"body"`
	Binary     string     `json:"binary,omitempty"`
	Code       string     `json:"code,omitempty"`
	ReceivedAt time.Time  `json:"received_at"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
	StoredAt   time.Time  `json:"stored_at"`
	Source     string     `json:"source"`
	ID         string     `json:"id,omitempty"`
	Hidden     bool       `json:"hidden"`
	Published  bool       `json:"published"`
	Parts      int        `json:"parts"`
	Incomplete bool       `json:"incomplete"`
}

// RecordOf is the export form of m.
func RecordOf(m store.Message) Record {
	r := Record{
		MessageID:  m.ID,
		To:         m.Number,
		Number:     m.Number,
		Country:    m.Country,
		From:       m.From,
		SenderKey:  m.SenderKey,
		Body:       m.Body,
		Code:       m.Code,
		ReceivedAt: m.ReceivedAt.UTC(),
		StoredAt:   m.StoredAt.UTC(),
		Source:     m.Source,
		ID:         m.SourceID,
		Hidden:     m.Hidden,
		Published:  m.Published,
		Parts:      max(m.Parts, 1),
		Incomplete: m.Incomplete,
	}
	if len(m.Binary) > 0 {
		r.Binary = hex.EncodeToString(m.Binary)
	}
	if !m.SentAt.IsZero() {
		t := m.SentAt.UTC()
		r.SentAt = &t
	}
	return r
}

// Input is one imported message. Fields other than these (such as the
// extra fields of an exported Record) are ignored, so an export can be
// imported again.
type Input struct {
	To         string `json:"to"`
	From       string `json:"from"`
	Body       string `json:"body"`
	Binary     string `json:"binary"`
	ReceivedAt string `json:"received_at"`
	SentAt     string `json:"sent_at"`
	Source     string `json:"source"`
	ID         string `json:"id"`
	Parts      int    `json:"parts"`
	Incomplete bool   `json:"incomplete"`
}

// Inbound checks in and turns it into what the store takes. Errors are one
// sentence naming the field at fault.
func (in Input) Inbound() (store.Inbound, error) {
	out := store.Inbound{
		To:         strings.TrimSpace(in.To),
		From:       in.From,
		Body:       in.Body,
		Source:     strings.TrimSpace(in.Source),
		SourceID:   in.ID,
		Parts:      in.Parts,
		Incomplete: in.Incomplete,
	}
	switch {
	case out.To == "":
		return out, errors.New(`"to" (the receiving number) is missing`)
	case strings.TrimSpace(in.From) == "":
		return out, errors.New(`"from" (the sender) is missing`)
	case in.Body == "" && in.Binary == "":
		return out, errors.New(`"body" (the message text) is missing`)
	case in.Parts < 0:
		return out, errors.New(`"parts" must not be negative`)
	}
	if in.Binary != "" {
		b, err := hex.DecodeString(in.Binary)
		if err != nil {
			return out, errors.New(`"binary" is not hexadecimal`)
		}
		out.Binary = b
	}
	var err error
	if out.ReceivedAt, err = parseTime("received_at", in.ReceivedAt); err != nil {
		return out, err
	}
	if out.SentAt, err = parseTime("sent_at", in.SentAt); err != nil {
		return out, err
	}
	return out, nil
}

func parseTime(field, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time such as 2026-11-20T10:00:03Z: %q", field, truncate(v, 40))
	}
	return t.UTC(), nil
}

// ParseLine reads one JSON object of an import. A line that is not a JSON
// object, or an object missing a required field, gives an error of one
// sentence.
func ParseLine(line []byte) (store.Inbound, error) {
	var in Input
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&in); err != nil {
		return store.Inbound{}, jsonError(err)
	}
	if dec.More() {
		return store.Inbound{}, errors.New("the line holds more than one JSON value")
	}
	return in.Inbound()
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Errorf("%q must be a JSON %s, not %s", te.Field, kindName(te.Type.Kind().String()), te.Value)
		}
		return fmt.Errorf("the line is a JSON %s, not an object", te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("the line is not valid JSON (%s at byte %d)", se.Error(), se.Offset)
	}
	return fmt.Errorf("the line is not valid JSON (%v)", err)
}

func kindName(k string) string {
	switch k {
	case "int", "int64":
		return "number"
	case "bool":
		return "boolean"
	}
	return k
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
