package jsonl_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"smsinbox/store"
	"smsinbox/store/jsonl"
)

func TestParseLine(t *testing.T) {
	in, err := jsonl.ParseLine([]byte(`{"to":"+447400123456","from":"WhatsApp","body":"Your WhatsApp code: 123-456","received_at":"2026-11-20T10:00:03Z","sent_at":"2026-11-20T11:00:01+01:00","source":"twilio","id":"SM0123","extra":[1,2]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := store.Inbound{To: "+447400123456", From: "WhatsApp", Body: "Your WhatsApp code: 123-456",
		ReceivedAt: time.Date(2026, 11, 20, 10, 0, 3, 0, time.UTC), SentAt: time.Date(2026, 11, 20, 10, 0, 1, 0, time.UTC),
		Source: "twilio", SourceID: "SM0123"}
	if !in.ReceivedAt.Equal(want.ReceivedAt) || !in.SentAt.Equal(want.SentAt) || in.To != want.To || in.From != want.From ||
		in.Body != want.Body || in.Source != want.Source || in.SourceID != want.SourceID {
		t.Errorf("ParseLine = %+v, want %+v", in, want)
	}

	bin, err := jsonl.ParseLine([]byte(`{"to":"+447400123456","from":"Op","binary":"0a0b"}`))
	if err != nil || string(bin.Binary) != "\x0a\x0b" {
		t.Errorf("binary: %v, %v", bin.Binary, err)
	}
}

func TestParseLineErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`{"to":"+447400123456","from":"A"`, "not valid JSON"},
		{`[1,2]`, "not an object"},
		{`"hello"`, "not an object"},
		{`{"to":5,"from":"A","body":"b"}`, `"to" must be a JSON string`},
		{`{"from":"A","body":"b"}`, `"to"`},
		{`{"to":"+447400123456","body":"b"}`, `"from"`},
		{`{"to":"+447400123456","from":"  ","body":"b"}`, `"from"`},
		{`{"to":"+447400123456","from":"A"}`, `"body"`},
		{`{"to":"+447400123456","from":"A","body":"b","received_at":"20/11/2026"}`, "RFC 3339"},
		{`{"to":"+447400123456","from":"A","body":"b","sent_at":12}`, `"sent_at" must be a JSON string`},
		{`{"to":"+447400123456","from":"A","binary":"xyz"}`, "not hexadecimal"},
		{`{"to":"+447400123456","from":"A","body":"b"} {}`, "more than one"},
		{`{"to":"+447400123456","from":"A","body":"b","parts":-1}`, "negative"},
	} {
		_, err := jsonl.ParseLine([]byte(tc.line))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseLine(%s) = %v, want an error saying %q", tc.line, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseLine(%s): error %q is more than one line", tc.line, err)
		}
	}
}

func TestRecordOf(t *testing.T) {
	recv := time.Date(2026, 11, 20, 10, 0, 3, 0, time.FixedZone("x", 3600))
	m := store.Message{ID: 7, Number: "+447400123456", Country: "GB", From: "WhatsApp", SenderKey: "whatsapp",
		Body: "Your WhatsApp code: 123-456", Code: "123456", ReceivedAt: recv, StoredAt: recv, Source: "twilio",
		SourceID: "SM1", Published: true}
	b, err := json.Marshal(jsonl.RecordOf(m))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{`"message_id":7`, `"to":"+447400123456"`, `"number":"+447400123456"`, `"country":"GB"`,
		`"sender_key":"whatsapp"`, `"code":"123456"`, `"received_at":"2026-11-20T09:00:03Z"`, `"id":"SM1"`, `"parts":1`,
		`"hidden":false`, `"published":true`, `"incomplete":false`} {
		if !strings.Contains(got, want) {
			t.Errorf("record %s lacks %s", got, want)
		}
	}
	for _, absent := range []string{"sent_at", "binary"} {
		if strings.Contains(got, absent) {
			t.Errorf("record %s has %s, which is unknown", got, absent)
		}
	}
	// An exported record imports as the same message.
	in, err := jsonl.ParseLine(b)
	if err != nil || in.To != m.Number || in.Body != m.Body || !in.ReceivedAt.Equal(recv) || in.SourceID != "SM1" {
		t.Errorf("re-import = %+v, %v", in, err)
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add([]byte(`{"to":"+447400123456","from":"WhatsApp","body":"Your WhatsApp code: 123-456","received_at":"2026-11-20T10:00:03Z"}`))
	f.Add([]byte(`{"to":"+447400123456","from":"A","binary":"00ff","parts":2,"incomplete":true}`))
	f.Add([]byte(`{"to":`))
	f.Fuzz(func(t *testing.T, line []byte) {
		in, err := jsonl.ParseLine(line)
		if err == nil && (in.To == "" || strings.TrimSpace(in.From) == "" || (in.Body == "" && len(in.Binary) == 0)) {
			t.Errorf("ParseLine(%q) accepted a message without to, from or body: %+v", line, in)
		}
	})
}
