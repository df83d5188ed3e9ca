package ops

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"smsinbox/store"
)

func countMessages(t *testing.T, st *store.Store) (all int, ids []int64) {
	t.Helper()
	err := st.Export(context.Background(), true, func(m store.Message) error {
		all++
		ids = append(ids, m.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all, ids
}

func TestRetention(t *testing.T) {
	clk := newClock()
	st := openStore(t, clk.Now)
	ctx := context.Background()
	if _, err := st.AddNumber(ctx, "test", "+447400123456", ""); err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	var ins []store.Inbound
	// Seven old messages: five of a sender that sends nothing newer, two
	// of one that also has recent ones.
	for i := 0; i < 5; i++ {
		ins = append(ins, store.Inbound{To: "+447400123456", From: "OldBank", Body: "Your OldBank code is 12345" + string(rune('0'+i)),
			ReceivedAt: now.Add(-40*24*time.Hour + time.Duration(i)*time.Minute), Source: "import"})
	}
	for i := 0; i < 2; i++ {
		ins = append(ins, store.Inbound{To: "+447400123456", From: "WhatsApp", Body: "Your WhatsApp code: 111-22" + string(rune('0'+i)),
			ReceivedAt: now.Add(-35*24*time.Hour + time.Duration(i)*time.Minute), SentAt: now.Add(-35*24*time.Hour - 3*time.Second), Source: "import"})
	}
	for i := 0; i < 3; i++ {
		ins = append(ins, store.Inbound{To: "+447400123456", From: "WhatsApp", Body: "Your WhatsApp code: 333-44" + string(rune('0'+i)),
			ReceivedAt: now.Add(-time.Duration(i+1) * time.Hour), SentAt: now.Add(-time.Duration(i+1)*time.Hour - time.Second), Source: "import"})
	}
	if _, err := st.InsertBatch(ctx, ins); err != nil {
		t.Fatal(err)
	}

	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		RunRetention(rctx, st, 30*24*time.Hour, 20*time.Millisecond, 2, clk.Now, log)
		close(done)
	}()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(5 * time.Second)
	for {
		if n, _ := countMessages(t, st); n == 3 {
			break
		}
		if time.Now().After(deadline) {
			n, _ := countMessages(t, st)
			t.Fatalf("%d messages left, want the 3 recent ones", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if clk.Reads() == 0 {
		t.Error("retention did not read the clock it was given")
	}
	// The sender pages, counts and sitemaps follow.
	if _, err := st.Profile(ctx, "oldbank"); !store.IsNotFound(err) {
		t.Errorf("a sender whose messages all expired: %v, want not found", err)
	}
	p, err := st.Profile(ctx, "whatsapp")
	if err != nil {
		t.Fatal(err)
	}
	if p.Sender.Messages != 3 {
		t.Errorf("whatsapp has %d messages, want 3", p.Sender.Messages)
	}
	var inFormats int64
	for _, f := range p.Formats {
		inFormats += f.Messages
	}
	if inFormats != 3 {
		t.Errorf("whatsapp's formats count %d messages, want 3", inFormats)
	}
	if !p.DelayKnown || p.DelayP90 > 2 {
		t.Errorf("delays after the purge: known %v p90 %v, want at most 2s (the 3s ones expired)", p.DelayKnown, p.DelayP90)
	}
	var sitemap []string
	if err := st.AllSenders(ctx, func(s store.Sender) error { sitemap = append(sitemap, s.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(sitemap) != 1 || sitemap[0] != "whatsapp" {
		t.Errorf("senders in the sitemap: %v, want [whatsapp]", sitemap)
	}
	n, err := st.Number(ctx, "+447400123456")
	if err != nil || n.Messages != 3 {
		t.Errorf("the number counts %d messages (%v), want 3", n.Messages, err)
	}
	ms, err := st.Messages(ctx, store.Filter{})
	if err != nil || len(ms) != 3 {
		t.Errorf("the latest listing has %d messages (%v), want 3", len(ms), err)
	}

	// A month later the rest expire at the next pass.
	clk.Add(31 * 24 * time.Hour)
	deadline = time.Now().Add(5 * time.Second)
	for {
		if n, _ := countMessages(t, st); n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the recent messages did not expire a month later")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if c, err := st.SenderCount(ctx); err != nil || c != 0 {
		t.Errorf("%d senders with messages left (%v)", c, err)
	}
}

func TestRetentionOff(t *testing.T) {
	st := openStore(t, nil)
	ctx := context.Background()
	if _, err := st.AddNumber(ctx, "test", "+447400123456", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Insert(ctx, store.Inbound{To: "+447400123456", From: "X", Body: "old", ReceivedAt: time.Now().Add(-3650 * 24 * time.Hour), Source: "import"}); err != nil {
		t.Fatal(err)
	}
	returned := make(chan struct{})
	go func() {
		RunRetention(ctx, st, 0, time.Millisecond, 1, nil, nil)
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(2 * time.Second):
		t.Fatal("a period of 0 did not return")
	}
	if n, _ := countMessages(t, st); n != 1 {
		t.Errorf("a period of 0 deleted messages: %d left", n)
	}
}

func TestPurgeBefore(t *testing.T) {
	st := openStore(t, nil)
	ctx := context.Background()
	if _, err := st.AddNumber(ctx, "test", "+447400123456", ""); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ins []store.Inbound
	for i := 0; i < 7; i++ {
		ins = append(ins, store.Inbound{To: "+447400123456", From: "X", Body: "m" + string(rune('a'+i)), ReceivedAt: base.Add(time.Duration(i) * time.Hour), Source: "import"})
	}
	if _, err := st.InsertBatch(ctx, ins); err != nil {
		t.Fatal(err)
	}
	n, err := PurgeBefore(ctx, st, base.Add(5*time.Hour), 2, time.Millisecond)
	if err != nil || n != 5 {
		t.Fatalf("PurgeBefore: %d %v, want 5", n, err)
	}
	left, _ := countMessages(t, st)
	if left != 2 {
		t.Errorf("%d left, want 2", left)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := PurgeBefore(cctx, st, base.Add(100*time.Hour), 1, time.Hour); err == nil {
		t.Error("PurgeBefore with a done context did not stop")
	}
}
