package demo_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"smsinbox/store"
	"smsinbox/store/demo"
	"smsinbox/store/jsonl"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func openStore(tb testing.TB) *store.Store {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(tb.TempDir(), "demo.db"), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func generate(tb testing.TB, opts demo.Options) (*store.Store, demo.Summary) {
	tb.Helper()
	st := openStore(tb)
	sum, err := demo.Generate(context.Background(), st, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return st, sum
}

func export(t *testing.T, st *store.Store, all bool) []jsonl.Record {
	t.Helper()
	var out []jsonl.Record
	err := st.Export(context.Background(), all, func(m store.Message) error {
		out = append(out, jsonl.RecordOf(m))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateDefaults(t *testing.T) {
	ctx := context.Background()
	st, sum := generate(t, demo.Options{Seed: 1})
	if got, want := sum.Messages, 600; got != want {
		t.Errorf("stored %d messages, want %d", got, want)
	}
	if sum.Refused != 0 || sum.Duplicates != 0 {
		t.Errorf("refused %d, duplicates %d, want none", sum.Refused, sum.Duplicates)
	}
	if got, want := sum.Numbers, 12; got != want {
		t.Errorf("added %d numbers, want %d", got, want)
	}
	if n, err := st.SenderCount(ctx); err != nil || n != 60 {
		t.Errorf("SenderCount = %d, %v; want 60", n, err)
	}

	nums, err := st.Numbers(ctx, store.NumberFilter{Status: "all"})
	if err != nil {
		t.Fatal(err)
	}
	countries := map[string]bool{}
	retired := 0
	for _, n := range nums {
		countries[n.Country] = true
		if n.Status == store.StatusRetired {
			retired++
		}
		if n.Status == store.StatusPending {
			t.Errorf("number %s is pending", n.E164)
		}
	}
	if len(nums) != 12 || len(countries) < 8 || retired != 1 {
		t.Errorf("%d numbers in %d countries, %d retired; want 12 in at least 8, 1 retired", len(nums), len(countries), retired)
	}

	msgs := export(t, st, false)
	if len(msgs) != 600 {
		t.Fatalf("exported %d messages, want 600", len(msgs))
	}
	perSender := map[string]int{}
	var text strings.Builder
	withSent := 0
	for i, m := range msgs {
		perSender[m.SenderKey]++
		text.WriteString(m.Body + "\n")
		if m.ReceivedAt.After(now) || m.ReceivedAt.Before(now.Add(-30*24*time.Hour)) {
			t.Errorf("message %d received at %s, outside the 30 days before %s", m.MessageID, m.ReceivedAt, now)
		}
		if i > 0 && m.ReceivedAt.Before(msgs[i-1].ReceivedAt) {
			t.Errorf("message %d is stored after a newer one", m.MessageID)
		}
		if m.SentAt != nil {
			withSent++
			d := m.ReceivedAt.Sub(*m.SentAt)
			if d <= 0 || d > 2*time.Minute {
				t.Errorf("message %d: network time %s is %s before received time", m.MessageID, m.SentAt, d)
			}
		}
	}
	if withSent == len(msgs) || withSent < len(msgs)/2 {
		t.Errorf("%d of %d messages have a network time; want most but not all", withSent, len(msgs))
	}
	for _, key := range []string{"9009", "whatsapp", "google", "telegram", "microsoft", "apple", "facebook", "instagram", "tiktok", "uber"} {
		if perSender[key] == 0 {
			t.Errorf("no message from sender %q", key)
		}
	}
	busiest, few := 0, 0
	for _, n := range perSender {
		busiest = max(busiest, n)
		if n <= 600/60 {
			few++
		}
	}
	if share := float64(busiest) / 600; share < 0.06 || share > 0.15 {
		t.Errorf("the busiest sender holds %.1f%% of messages, want about 10%%", share*100)
	}
	if few < len(perSender)/2 {
		t.Errorf("only %d of %d senders have at most 10 messages; want most senders to have few", few, len(perSender))
	}

	all := text.String()
	for name, re := range map[string]*regexp.Regexp{
		"6 digits":     regexp.MustCompile(`(^|\D)\d{6}(\D|$)`),
		"123-456":      regexp.MustCompile(`\b\d{3}-\d{3}\b`),
		"G-123456":     regexp.MustCompile(`G-\d{6}`),
		"alphanumeric": regexp.MustCompile(`\b[A-Z0-9]*[A-Z][A-Z0-9]*\d[A-Z0-9]*\b|\b[A-Z0-9]*\d[A-Z0-9]*[A-Z][A-Z0-9]*\b`),
		"Spanish":      regexp.MustCompile(`código`),
		"German":       regexp.MustCompile(`(?i)code|TAN`),
		"French":       regexp.MustCompile(`votre|Votre`),
		"Portuguese":   regexp.MustCompile(`Seu|seu`),
		"Turkish":      regexp.MustCompile(`kod`),
	} {
		if !re.MatchString(all) {
			t.Errorf("no message has %s", name)
		}
	}
	for name, table := range map[string]*unicode.RangeTable{
		"Cyrillic": unicode.Cyrillic, "Han": unicode.Han, "Arabic": unicode.Arabic, "Devanagari": unicode.Devanagari,
	} {
		if !strings.ContainsFunc(all, func(r rune) bool { return unicode.Is(table, r) }) {
			t.Errorf("no message has %s text", name)
		}
	}
	if !strings.ContainsFunc(all, func(r rune) bool { return r >= 0x1F300 }) {
		t.Error("no message has an emoji")
	}
}

func TestGenerateDeterministic(t *testing.T) {
	opts := demo.Options{Seed: 7, Messages: 800, Numbers: 15, Senders: 90, Days: 10, Now: now, Batch: 128}
	a, _ := generate(t, opts)
	b, _ := generate(t, opts)
	opts.Seed = 8
	c, _ := generate(t, opts)
	ja, jb, jc := dump(t, a), dump(t, b), dump(t, c)
	if ja != jb {
		t.Error("the same seed gave different data sets")
	}
	if ja == jc {
		t.Error("different seeds gave the same data set")
	}
}

func dump(t *testing.T, st *store.Store) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for _, r := range export(t, st, true) {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func TestGenerateSizes(t *testing.T) {
	for _, opts := range []demo.Options{
		{Messages: 50, Numbers: 1, Senders: 3, Days: 1},
		{Messages: 2000, Numbers: 40, Senders: 500, Days: 90, Seed: 3},
		{Messages: 10, Numbers: 2, Senders: 30, Seed: 4}, // more senders than messages
	} {
		st, sum := generate(t, opts)
		if sum.Messages != opts.Messages || sum.Numbers != opts.Numbers {
			t.Errorf("%+v: stored %d messages and %d numbers", opts, sum.Messages, sum.Numbers)
		}
		want := int64(min(opts.Senders, opts.Messages))
		if n, err := st.SenderCount(context.Background()); err != nil || n != want {
			t.Errorf("%+v: SenderCount = %d, %v; want %d", opts, n, err, want)
		}
	}
}

func TestGenerateAgainStoresNothingNew(t *testing.T) {
	st, _ := generate(t, demo.Options{Seed: 2, Messages: 300})
	sum, err := demo.Generate(context.Background(), st, demo.Options{Seed: 2, Messages: 300})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Messages != 0 || sum.Duplicates != 300 {
		t.Errorf("second run stored %d and found %d duplicates; want 0 and 300", sum.Messages, sum.Duplicates)
	}
}

func TestGenerateRefusesHugeSets(t *testing.T) {
	st := openStore(t)
	_, err := demo.Generate(context.Background(), st, demo.Options{Messages: demo.MaxMessages + 1})
	if store.KindOf(err) != store.KindInvalid {
		t.Fatalf("Generate = %v, want an invalid error", err)
	}
	if empty, _ := st.Empty(context.Background()); !empty {
		t.Error("a refused data set wrote to the database")
	}
}

// BenchmarkGenerate builds data sets: "1M" is the benchmark data set of
// 1,000,000 messages from 50,000 senders to 1,000 numbers (run it with
// -bench Generate/1M -benchtime 1x -timeout 30m); "20k" is a quick look.
func BenchmarkGenerate(b *testing.B) {
	for _, size := range []struct {
		name string
		opts demo.Options
	}{
		{"20k", demo.Options{Messages: 20_000, Numbers: 100, Senders: 2000, Seed: 1}},
		{"1M", demo.Options{Messages: 1_000_000, Numbers: 1000, Senders: 50_000, Seed: 1}},
	} {
		b.Run(size.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				st := openStore(b)
				b.StartTimer()
				sum, err := demo.Generate(context.Background(), st, size.opts)
				if err != nil {
					b.Fatal(err)
				}
				if sum.Messages != size.opts.Messages {
					b.Fatalf("stored %d messages, want %d", sum.Messages, size.opts.Messages)
				}
				b.ReportMetric(float64(sum.Messages)/sum.Elapsed.Seconds(), "msgs/s")
			}
		})
	}
}
