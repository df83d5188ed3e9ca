package templates

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"smsinbox/store"
)

func TestBodyParts(t *testing.T) {
	tests := []struct {
		body, code string
		want       []Part
	}{
		{"plain text", "", []Part{{Kind: PartText, Text: "plain text"}}},
		{"Code 1234 for 1234", "1234", []Part{{Kind: PartText, Text: "Code "}, {Kind: PartCode, Text: "1234"}, {Kind: PartText, Text: " for 1234"}}},
		{"see https://a.example/x.", "", []Part{{Kind: PartText, Text: "see "}, {Kind: PartLink, Text: "https://a.example/x", URL: "https://a.example/x"}, {Kind: PartText, Text: "."}}},
		{"(https://a.example/p_(q))", "", []Part{{Kind: PartText, Text: "("}, {Kind: PartLink, Text: "https://a.example/p_(q)", URL: "https://a.example/p_(q)"}, {Kind: PartText, Text: ")"}}},
		{"javascript:alert(1) ftp://x.example", "", []Part{{Kind: PartText, Text: "javascript:alert(1) ftp://x.example"}}},
		{"xhttps://a.example", "", []Part{{Kind: PartText, Text: "xhttps://a.example"}}},
		{"https://", "", []Part{{Kind: PartText, Text: "https://"}}},
		{"https://u:p@a.example/", "", []Part{{Kind: PartText, Text: "https://u:p@a.example/"}}},
		{`HTTP://A.example/"x`, "", []Part{{Kind: PartLink, Text: "HTTP://A.example/", URL: "http://A.example/"}, {Kind: PartText, Text: `"x`}}},
		{"a\x07b\x1bc\x7f", "", []Part{{Kind: PartText, Text: "a\u2407b\u241bc\u2421"}}},
		{"line\nnext\ttab", "", []Part{{Kind: PartText, Text: "line\nnext\ttab"}}},
		{"https://a.example/\u202Eevil", "", []Part{{Kind: PartLink, Text: "https://a.example/", URL: "https://a.example/"}, {Kind: PartText, Text: "\u202Eevil"}}},
		{"", "", nil},
	}
	for _, tt := range tests {
		got := BodyParts(tt.body, tt.code)
		if len(got) != len(tt.want) {
			t.Errorf("BodyParts(%q) = %+v, want %+v", tt.body, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("BodyParts(%q)[%d] = %+v, want %+v", tt.body, i, got[i], tt.want[i])
			}
		}
		// Nothing is lost: the parts read as the body.
		var b strings.Builder
		for _, p := range got {
			b.WriteString(p.Text)
		}
		if b.String() != visibleControls(tt.body) {
			t.Errorf("BodyParts(%q) reads %q", tt.body, b.String())
		}
	}
}

func TestRelTime(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		ago  time.Duration
		want string
	}{
		{0, "just now"}, {15 * time.Second, "15 sec ago"}, {3 * time.Minute, "3 min ago"}, {5 * time.Hour, "5 h ago"},
		{25 * time.Hour, "1 day ago"}, {3 * 24 * time.Hour, "3 days ago"}, {40 * 24 * time.Hour, "11 Oct 2026"},
	} {
		if got := RelTime(now, now.Add(-tt.ago)); got != tt.want {
			t.Errorf("RelTime(-%v) = %q, want %q", tt.ago, got, tt.want)
		}
	}
	if got := RelTime(now, time.Time{}); got != "never" {
		t.Errorf("RelTime(zero) = %q", got)
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestMessageCard(t *testing.T) {
	now := time.Now()
	m := store.Message{ID: 7, Number: "+447400123456", Country: "GB", SenderKey: "whatsapp", SenderDisplay: "WhatsApp",
		Body: "Your code 123-456", Code: "123456", ReceivedAt: now.Add(-time.Minute), SentAt: now.Add(-time.Minute - 2500*time.Millisecond)}
	var b bytes.Buffer
	if err := MessageItem(Card{M: m, Now: now, ShowNumber: true, ShowSender: true}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`id="m-7"`, `href="/sender/whatsapp"`, `href="/number/447400123456"`, `data-copy="123456"`,
		`aria-label="Copy code 123456"`, "Delivered in 2.5 s", `title="` + ExactTime(m.ReceivedAt) + `"`, "1 min ago", `href="/message/7"`} {
		if !strings.Contains(out, want) {
			t.Errorf("card lacks %q:\n%s", want, out)
		}
	}
	m.SentAt = time.Time{}
	b.Reset()
	if err := MessageItem(Card{M: m, Now: now}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Delivered") || strings.Contains(b.String(), `href="/sender/`) {
		t.Errorf("card without a network time or sender link: %s", b.String())
	}
}
