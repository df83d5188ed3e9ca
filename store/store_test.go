package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"smsinbox/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func msg(to, from, body string, at time.Time) store.Inbound {
	return store.Inbound{To: to, From: from, Body: body, ReceivedAt: at, SentAt: at.Add(-2 * time.Second), Source: "test"}
}

func mustAdd(t testing.TB, st *store.Store, e164 string) store.Number {
	t.Helper()
	n, err := st.AddNumber(context.Background(), "test", e164, "")
	if err != nil {
		t.Fatalf("add number %s: %v", e164, err)
	}
	return n
}

func mustInsert(t testing.TB, st *store.Store, in store.Inbound) store.Result {
	t.Helper()
	r, err := st.Insert(context.Background(), in)
	if err != nil {
		t.Fatalf("insert %+v: %v", in, err)
	}
	return r
}

func TestInsertAndList(t *testing.T) { forEachBackend(t, testInsertAndList) }

func testInsertAndList(t *testing.T, b backend) {
	ctx := context.Background()
	st, _ := b.open(t, store.Options{})
	gb := mustAdd(t, st, "+447400123456")
	de := mustAdd(t, st, "+4915112345678")
	for i := 0; i < 5; i++ {
		mustInsert(t, st, msg("+447400123456", "WhatsApp", fmt.Sprintf("Your WhatsApp code: %03d-%03d", i, i+100), t0.Add(time.Duration(i)*time.Minute)))
	}
	mustInsert(t, st, msg("+4915112345678", "whatsapp", "Dein WhatsApp-Code: 555-123", t0.Add(10*time.Minute)))
	mustInsert(t, st, msg("+4915112345678", "+9009", "G-123456 is your Google verification code.", t0.Add(11*time.Minute)))
	mustInsert(t, st, msg("+447400123456", "9009", "G-654321 is your Google verification code.", t0.Add(12*time.Minute)))

	gb, _ = st.Number(ctx, gb.E164)
	de, _ = st.Number(ctx, "4915112345678")
	if gb.Messages != 6 || de.Messages != 2 {
		t.Errorf("number counts = %d, %d; want 6, 2", gb.Messages, de.Messages)
	}
	if got, want := gb.LastMessageAt, t0.Add(12*time.Minute); !got.Equal(want) {
		t.Errorf("last message at = %v, want %v", got, want)
	}
	wa, err := st.Sender(ctx, "whatsapp")
	if err != nil {
		t.Fatal(err)
	}
	if wa.Messages != 6 {
		t.Errorf("whatsapp messages = %d, want 6 (WhatsApp and whatsapp are one sender)", wa.Messages)
	}
	g, err := st.Sender(ctx, "9009")
	if err != nil {
		t.Fatal(err)
	}
	if g.Messages != 2 {
		t.Errorf("9009 messages = %d, want 2 (+9009 and 9009 are one sender)", g.Messages)
	}

	latest, err := st.Messages(ctx, store.Filter{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != 3 || latest[0].Body != "G-654321 is your Google verification code." || latest[0].Code != "654321" {
		t.Fatalf("latest = %+v", latest)
	}
	older, err := st.Messages(ctx, store.Filter{Limit: 3, Before: latest[2].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(older) != 3 || !older[0].ReceivedAt.Before(latest[2].ReceivedAt) {
		t.Fatalf("older page = %+v", older)
	}
	bySender, err := st.Messages(ctx, store.Filter{SenderKey: "9009"})
	if err != nil {
		t.Fatal(err)
	}
	if len(bySender) != 2 || bySender[0].Country != "GB" || bySender[1].Country != "DE" {
		t.Fatalf("sender listing = %+v", bySender)
	}
	byNumber, err := st.Messages(ctx, store.Filter{NumberID: de.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(byNumber) != 2 {
		t.Fatalf("number listing has %d messages, want 2", len(byNumber))
	}
	after, err := st.Messages(ctx, store.Filter{NumberID: gb.ID, After: latest[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || after[0].ID != latest[0].ID {
		t.Fatalf("after listing = %+v", after)
	}
	byCountry, err := st.Messages(ctx, store.Filter{Country: "de"})
	if err != nil {
		t.Fatal(err)
	}
	if len(byCountry) != 2 {
		t.Fatalf("country listing has %d messages, want 2", len(byCountry))
	}
	countries, err := st.Countries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(countries) != 2 || countries[0].Code != "DE" || countries[1].Messages != 6 {
		t.Fatalf("countries = %+v", countries)
	}
	senders, err := st.Senders(ctx, store.SenderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(senders) != 2 || senders[0].Key != "9009" {
		t.Fatalf("senders = %+v", senders)
	}
	found, err := st.Senders(ctx, store.SenderFilter{Query: "WHATS"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Key != "whatsapp" {
		t.Fatalf("sender search = %+v", found)
	}
}

func TestInsertIsIdempotent(t *testing.T) { forEachBackend(t, testInsertIsIdempotent) }

func testInsertIsIdempotent(t *testing.T, b backend) {
	ctx := context.Background()
	st, _ := b.open(t, store.Options{})
	mustAdd(t, st, "+447400123456")
	in := msg("+447400123456", "Uber", "Your Uber code: 1234", t0)
	in.SourceID = "SM1"
	first := mustInsert(t, st, in)
	in.Body = "changed on retry"
	again := mustInsert(t, st, in)
	if !again.Duplicate || again.ID != first.ID {
		t.Fatalf("retry with the same id = %+v, want duplicate of %d", again, first.ID)
	}
	noID := msg("+447400123456", "Uber", "Your Uber code: 9999", t0)
	a := mustInsert(t, st, noID)
	a2 := mustInsert(t, st, noID)
	if a.Duplicate || !a2.Duplicate || a.ID != a2.ID {
		t.Fatalf("content dedupe: %+v then %+v", a, a2)
	}
	// Concurrent retries through the group committer store one row.
	var wg sync.WaitGroup
	ids := make([]int64, 20)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := msg("+447400123456", "Uber", "Your Uber code: 4242", t0)
			in.SourceID = "SM-concurrent"
			r, err := st.Ingest(ctx, in)
			if err != nil {
				t.Error(err)
			}
			ids[i] = r.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent retries got ids %v", ids)
		}
	}
	n, _ := st.Number(ctx, "+447400123456")
	if n.Messages != 3 {
		t.Errorf("number holds %d messages, want 3", n.Messages)
	}
}

func TestInsertRefusesBadInput(t *testing.T) { forEachBackend(t, testInsertRefusesBadInput) }

func testInsertRefusesBadInput(t *testing.T, b backend) {
	st, _ := b.open(t, store.Options{})
	cases := []store.Inbound{
		msg("12ab", "x", "hello", t0),
		msg("+447400123456", "", "hello", t0),
		msg("+447400123456", "Bank", "", t0),
		msg("", "Bank", "hello", t0),
		msg("+447400123456", "Bank", strings.Repeat("a", store.MaxBodyBytes+1), t0),
	}
	for _, in := range cases {
		_, err := st.Insert(context.Background(), in)
		if store.KindOf(err) != store.KindInvalid {
			t.Errorf("insert %.40q/%.20q/%.20q: err = %v, want an invalid-input error", in.To, in.From, in.Body, err)
		}
		if err != nil && strings.Contains(store.MessageOf(err), "\n") {
			t.Errorf("error is not one sentence: %q", store.MessageOf(err))
		}
	}
	res, err := st.InsertBatch(context.Background(), append(cases, msg("+447400123456", "Bank", "ok", t0)))
	if err != nil {
		t.Fatal(err)
	}
	if res[len(res)-1].Err != nil || res[len(res)-1].ID == 0 {
		t.Errorf("a good message in a batch with bad ones was not stored: %+v", res[len(res)-1])
	}
}

func TestPendingNumberPublishesHistory(t *testing.T) {
	forEachBackend(t, testPendingNumberPublishesHistory)
}

func testPendingNumberPublishesHistory(t *testing.T, b backend) {
	ctx := context.Background()
	st, _ := b.open(t, store.Options{})
	r := mustInsert(t, st, msg("+33612345678", "Google", "G-111222 is your code", t0))
	if r.Published {
		t.Fatal("a message to an unknown number was published")
	}
	if _, err := st.Message(ctx, r.ID); !store.IsNotFound(err) {
		t.Fatalf("unpublished message is readable: %v", err)
	}
	if _, err := st.Sender(ctx, "google"); !store.IsNotFound(err) {
		t.Fatalf("sender of an unpublished message is listed: %v", err)
	}
	if _, err := st.AddNumber(ctx, "admin", "+33 6 12 34 56 78", "France 1"); err != nil {
		t.Fatal(err)
	}
	m, err := st.Message(ctx, r.ID)
	if err != nil {
		t.Fatalf("history not published after adding the number: %v", err)
	}
	if m.Country != "FR" || m.SenderKey != "google" {
		t.Errorf("message = %+v", m)
	}
	sd, err := st.Sender(ctx, "google")
	if err != nil || sd.Messages != 1 {
		t.Fatalf("sender after publish = %+v, %v", sd, err)
	}
	auto, _ := b.open(t, store.Options{AutoAddNumbers: true})
	if r := mustInsert(t, auto, msg("+33612345678", "Google", "G-111222 is your code", t0)); !r.Published {
		t.Error("AutoAddNumbers did not publish the new number")
	}
}

func TestHideBlockAndAudit(t *testing.T) { forEachBackend(t, testHideBlockAndAudit) }

func testHideBlockAndAudit(t *testing.T, be backend) {
	ctx := context.Background()
	st, _ := be.open(t, store.Options{})
	mustAdd(t, st, "+447400123456")
	a := mustInsert(t, st, msg("+447400123456", "Spam", "Buy now code 123456", t0))
	b := mustInsert(t, st, msg("+447400123456", "Spam", "Buy now code 654321", t0.Add(time.Minute)))
	if err := st.HideMessage(ctx, "alice", b.ID, "personal data"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Message(ctx, b.ID); !store.IsNotFound(err) {
		t.Errorf("hidden message still readable: %v", err)
	}
	sd, _ := st.Sender(ctx, "spam")
	if sd.Messages != 1 {
		t.Errorf("sender count after hide = %d, want 1", sd.Messages)
	}
	p, err := st.Profile(ctx, "spam")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Formats) != 1 || p.Formats[0].Messages != 1 || p.Formats[0].ExampleID != a.ID {
		t.Errorf("formats after hide = %+v", p.Formats)
	}
	if hits, _ := st.Search(ctx, "654321", 0, 10); len(hits) != 0 {
		t.Errorf("hidden message found by search: %+v", hits)
	}
	if err := st.BlockSender(ctx, "alice", "spam", "abuse", true); err != nil {
		t.Fatal(err)
	}
	c := mustInsert(t, st, msg("+447400123456", "SPAM", "More spam 111111", t0.Add(2*time.Minute)))
	if _, err := st.Message(ctx, c.ID); !store.IsNotFound(err) {
		t.Errorf("message of a blocked sender is published: %v", err)
	}
	var all []store.Message
	st.Export(ctx, true, func(m store.Message) error { all = append(all, m); return nil })
	if len(all) != 3 || !all[1].Hidden || !all[2].Hidden {
		t.Errorf("export --all = %+v", all)
	}
	log, err := st.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 || log[0].Action != "sender.block" || log[1].Action != "message.hide" || log[1].Actor != "alice" || log[1].Reason != "personal data" {
		t.Errorf("audit log = %+v", log)
	}
	if err := st.RetireNumber(ctx, "alice", "+447400123456"); err != nil {
		t.Fatal(err)
	}
	n, _ := st.Number(ctx, "447400123456")
	if n.Status != store.StatusRetired {
		t.Errorf("status = %s", n.Status)
	}
	if _, err := st.Message(ctx, a.ID); err != nil {
		t.Errorf("a retired number's messages stay published: %v", err)
	}
	if err := st.RetireNumber(ctx, "alice", "+15005550006"); !store.IsNotFound(err) {
		t.Errorf("retiring an unknown number: %v", err)
	}
}

func TestMultipart(t *testing.T) { forEachBackend(t, testMultipart) }

func testMultipart(t *testing.T, b backend) {
	ctx := context.Background()
	c := &clock{t: t0}
	path := b.dsn(t)
	st, err := store.Open(ctx, path, store.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, st, "+447400123456")
	base := store.Part{Inbound: msg("+447400123456", "Bank", "", t0), Ref: 77, RefBits: 8, Total: 3}
	p3 := base
	p3.Seq, p3.Text = 3, " three"
	p1 := base
	p1.Seq, p1.Text = 1, "one"
	if _, done, err := st.AddPart(ctx, p3); err != nil || done {
		t.Fatalf("part 3: done=%v err=%v", done, err)
	}
	if _, done, err := st.AddPart(ctx, p1); err != nil || done {
		t.Fatalf("part 1: done=%v err=%v", done, err)
	}
	// The parts survive a restart.
	st.Close()
	st, err = store.Open(ctx, path, store.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, done, err := st.AddPart(ctx, p1); err != nil || done {
		t.Fatalf("repeated part 1: done=%v err=%v", done, err)
	}
	p2 := base
	p2.Seq, p2.Text = 2, " two"
	res, done, err := st.AddPart(ctx, p2)
	if err != nil || !done {
		t.Fatalf("part 2: done=%v err=%v", done, err)
	}
	m, err := st.Message(ctx, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Body != "one two three" || m.Parts != 3 || m.Incomplete {
		t.Errorf("assembled = %q parts=%d incomplete=%v", m.Body, m.Parts, m.Incomplete)
	}

	// A UTF-16 surrogate pair split across two parts.
	emoji := []byte{0xD8, 0x3D, 0xDE, 0x00} // U+1F600
	u := store.Part{Inbound: msg("+447400123456", "Chat", "", t0), Ref: 4660, RefBits: 16, Total: 2}
	u1, u2 := u, u
	u1.Seq, u1.UCS2 = 1, append([]byte{0, 'H', 0, 'i', 0, ' '}, emoji[:2]...)
	u2.Seq, u2.UCS2 = 2, append(append([]byte{}, emoji[2:]...), 0, '!')
	st.AddPart(ctx, u2)
	res, done, err = st.AddPart(ctx, u1)
	if err != nil || !done {
		t.Fatalf("ucs2 parts: %v %v", done, err)
	}
	if m, _ := st.Message(ctx, res.ID); m.Body != "Hi 😀!" {
		t.Errorf("split surrogate pair = %q", m.Body)
	}

	// An incomplete message is published with a gap after the timeout.
	g := store.Part{Inbound: msg("+447400123456", "Bank", "", t0), Ref: 9, RefBits: 8, Total: 3, Seq: 1, Text: "start"}
	st.AddPart(ctx, g)
	if n, _ := st.FlushParts(ctx, 10*time.Minute); n != 0 {
		t.Fatalf("flushed %d groups before the timeout", n)
	}
	c.Add(11 * time.Minute)
	if n, err := st.FlushParts(ctx, 10*time.Minute); n != 1 || err != nil {
		t.Fatalf("flush = %d, %v", n, err)
	}
	latest, _ := st.Messages(ctx, store.Filter{SenderKey: "bank", Limit: 1})
	if len(latest) != 1 || latest[0].Body != "start"+store.GapMarker+store.GapMarker || !latest[0].Incomplete {
		t.Errorf("incomplete message = %+v", latest)
	}
	if n, _ := st.PendingParts(ctx); n != 0 {
		t.Errorf("%d parts left", n)
	}
}

func TestProfileAndPurge(t *testing.T) { forEachBackend(t, testProfileAndPurge) }

func testProfileAndPurge(t *testing.T, b backend) {
	ctx := context.Background()
	c := &clock{t: t0.Add(40 * 24 * time.Hour)}
	st, _ := b.open(t, store.Options{Now: c.Now})
	mustAdd(t, st, "+447400123456")
	mustAdd(t, st, "+4915112345678")
	var ins []store.Inbound
	for i := 0; i < 10; i++ {
		in := msg("+447400123456", "WhatsApp", fmt.Sprintf("Your WhatsApp code: %03d-%03d\nDon't share this code with others", i, 999-i), t0.Add(time.Duration(i)*24*time.Hour))
		in.SentAt = in.ReceivedAt.Add(-time.Duration(i+1) * time.Second)
		ins = append(ins, in)
	}
	ins = append(ins, msg("+4915112345678", "WhatsApp", "Dein WhatsApp-Code: 123-456. Teile diesen Code nicht.", t0.Add(30*24*time.Hour)))
	if _, err := st.InsertBatch(ctx, ins); err != nil {
		t.Fatal(err)
	}
	p, err := st.Profile(ctx, "whatsapp")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Formats) != 2 || p.Formats[0].Messages != 10 || p.Formats[0].CodeLength != 6 {
		t.Fatalf("formats = %+v", p.Formats)
	}
	if !p.DelayKnown || p.DelayP50 < 2 || p.DelayP50 > 6 || p.DelayP90 < 8 {
		t.Errorf("delays p50=%v p90=%v known=%v", p.DelayP50, p.DelayP90, p.DelayKnown)
	}
	if p.CodeLengths[6] != 11 || len(p.Numbers) != 2 || len(p.Countries) != 2 {
		t.Errorf("code lengths %v, numbers %d, countries %v", p.CodeLengths, len(p.Numbers), p.Countries)
	}
	// Purge everything older than 30 days before now (t0+40d): the first
	// ten days of messages go, in batches of 3.
	total := 0
	for {
		n, err := st.Purge(ctx, c.Now().Add(-30*24*time.Hour), 3)
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if n < 3 {
			break
		}
	}
	if total != 10 {
		t.Fatalf("purged %d, want 10", total)
	}
	p, _ = st.Profile(ctx, "whatsapp")
	if p.Sender.Messages != 1 || len(p.Formats) != 1 || p.Formats[0].Messages != 1 || len(p.Numbers) != 1 || p.DelayP90 != 2 {
		t.Errorf("profile after purge = %+v", p)
	}
	n, _ := st.Number(ctx, "+447400123456")
	if n.Messages != 0 {
		t.Errorf("number count after purge = %d", n.Messages)
	}
}

func TestSearch(t *testing.T) { forEachBackend(t, testSearch) }

func testSearch(t *testing.T, b backend) {
	ctx := context.Background()
	st, _ := b.open(t, store.Options{})
	mustAdd(t, st, "+447400123456")
	mustInsert(t, st, msg("+447400123456", "Bank", "Your café payment code is 4455", t0))
	mustInsert(t, st, msg("+447400123456", "Bank", "Payment declined", t0.Add(time.Minute)))
	mustInsert(t, st, msg("+447400123456", "Shop", "Your parcel \"ABC\" ships today", t0.Add(2*time.Minute)))
	hits, err := st.Search(ctx, "payment", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].Body != "Payment declined" {
		t.Fatalf("hits = %+v", hits)
	}
	if hits, _ := st.Search(ctx, "cafe", 0, 10); len(hits) != 1 {
		t.Errorf("search without diacritics found %d", len(hits))
	}
	more, _ := st.Search(ctx, "payment", hits[0].ID, 10)
	if len(more) != 1 || more[0].ID != hits[1].ID {
		t.Errorf("second page = %+v", more)
	}
	hostile := []string{`"`, `""`, `'`, `*`, `payment OR 1=1`, `NEAR(a b)`, `col:x`, `^`, `(`, `)`, `-`, `a AND`, `"ABC`, `\`, `%`, `'; DROP TABLE messages; --`, "\x00", strings.Repeat("x ", 500), `{body}: x`, `pay*`}
	for _, q := range hostile {
		if _, err := st.Search(ctx, q, 0, 10); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
	if hits, _ := st.Search(ctx, `"ABC`, 0, 10); len(hits) != 1 {
		t.Errorf("search with a stray quote found %d", len(hits))
	}
	if hits, _ := st.Search(ctx, `pay*`, 0, 10); len(hits) != 2 {
		t.Errorf("prefix search found %d", len(hits))
	}
}

func TestBackup(t *testing.T) { forEachBackend(t, testBackup) }

func testBackup(t *testing.T, be backend) {
	ctx := context.Background()
	st, _ := be.open(t, store.Options{})
	mustAdd(t, st, "+447400123456")
	for i := 0; i < 50; i++ {
		mustInsert(t, st, msg("+447400123456", "Bank", fmt.Sprintf("code %d", 1000+i), t0.Add(time.Duration(i)*time.Second)))
	}
	dst := filepath.Join(t.TempDir(), "backup.db")
	if be.name == "postgres" {
		err := st.Backup(ctx, dst)
		if store.KindOf(err) != store.KindInvalid || !strings.Contains(store.MessageOf(err), "pg_dump") {
			t.Errorf("backup of a PostgreSQL store: %v, want a sentence pointing to pg_dump", err)
		}
		if _, statErr := os.Stat(dst); statErr == nil {
			t.Error("a refused backup wrote a file")
		}
		return
	}
	if err := st.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if err := st.Backup(ctx, dst); store.KindOf(err) != store.KindInvalid {
		t.Errorf("backup over an existing file: %v", err)
	}
	restored, err := store.Open(ctx, dst, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var a, b []store.Message
	st.Export(ctx, true, func(m store.Message) error { a = append(a, m); return nil })
	restored.Export(ctx, true, func(m store.Message) error { b = append(b, m); return nil })
	if len(a) != 50 || len(a) != len(b) {
		t.Fatalf("backup holds %d of %d messages", len(b), len(a))
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Body != b[i].Body || !a[i].ReceivedAt.Equal(b[i].ReceivedAt) {
			t.Fatalf("message %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	check := func(name, dsn, want string) {
		t.Helper()
		st, err := store.Open(ctx, dsn, store.Options{BusyTimeout: 200 * time.Millisecond})
		if err == nil {
			st.Close()
			t.Errorf("%s: opened", name)
			return
		}
		msg := store.MessageOf(err)
		if !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: message %q, want one sentence containing %q", name, msg, want)
		}
	}
	check("missing folder", filepath.Join(dir, "nope", "x.db"), "does not exist")
	corrupt := filepath.Join(dir, "corrupt.db")
	os.WriteFile(corrupt, []byte(strings.Repeat("this is not a database ", 400)), 0o644)
	check("corrupt", corrupt, "not a valid smsinbox database")
	check("folder", dir, "is a folder")

	newer := filepath.Join(dir, "newer.db")
	db, _ := sql.Open("sqlite", newer)
	db.Exec(`PRAGMA user_version = 999`)
	db.Close()
	check("newer schema", newer, "newer smsinbox")

	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro.db")
		st, err := store.Open(ctx, ro, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		os.Chmod(ro, 0o444)
		check("read-only", ro, "cannot write")
	}
}

func TestLockedDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "locked.db")
	st, err := store.Open(ctx, path, store.Options{BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mustAdd(t, st, "+447400123456")
	other, _ := sql.Open("sqlite", path)
	defer other.Close()
	conn, _ := other.Conn(ctx)
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	_, err = st.Insert(ctx, msg("+447400123456", "Bank", "code 1234", t0))
	if err == nil || !strings.Contains(store.MessageOf(err), "locked by another program") {
		t.Fatalf("insert into a locked database: %v (%q)", err, store.MessageOf(err))
	}
	conn.ExecContext(ctx, `ROLLBACK`)
	if _, err := st.Insert(ctx, msg("+447400123456", "Bank", "code 1234", t0)); err != nil {
		t.Fatalf("insert after the lock: %v", err)
	}
	var n int
	other.QueryRow(`SELECT count(*) FROM messages`).Scan(&n)
	if n != 1 {
		t.Errorf("%d rows after a refused and a good insert", n)
	}
}

func TestPartsSentAgain(t *testing.T) { forEachBackend(t, testPartsSentAgain) }

// testPartsSentAgain: a part that arrives again after its message was
// stored (a lost answer, a modem that kept it) is a duplicate, not the
// start of a new message; binary parts are joined as they are.
func testPartsSentAgain(t *testing.T, b backend) {
	ctx := context.Background()
	c := &clock{t: t0}
	st, err := store.Open(ctx, b.dsn(t), store.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mustAdd(t, st, "+447400123456")
	part := func(seq int, text, id string) store.Part {
		p := store.Part{Inbound: msg("+447400123456", "Bank", "", t0), Ref: 5, RefBits: 8, Total: 2, Seq: seq, Text: text}
		p.Source, p.SourceID = "vonage", id
		return p
	}
	st.AddPart(ctx, part(1, "Your code ", "m1"))
	first, done, err := st.AddPart(ctx, part(2, "is 4321", "m2"))
	if err != nil || !done {
		t.Fatalf("second part: %v %v", done, err)
	}
	again, done, err := st.AddPart(ctx, part(2, "is 4321", "m2"))
	if err != nil || !done || !again.Duplicate || again.ID != first.ID {
		t.Fatalf("part sent again = %+v, done=%v, err=%v; want a duplicate of %d", again, done, err, first.ID)
	}
	c.Add(time.Hour)
	if n, _ := st.FlushParts(ctx, 10*time.Minute); n != 0 {
		t.Errorf("flushed %d groups: a part sent again started a new message", n)
	}
	if msgs, _ := st.Messages(ctx, store.Filter{SenderKey: "bank"}); len(msgs) != 1 || msgs[0].Body != "Your code is 4321" {
		t.Errorf("messages = %+v", msgs)
	}
	// A new message that reuses the reference is not a duplicate.
	st.AddPart(ctx, part(1, "Another ", "m3"))
	if r, done, err := st.AddPart(ctx, part(2, "message", "m4")); err != nil || !done || r.Duplicate {
		t.Fatalf("a new message with a reused reference: %+v %v %v", r, done, err)
	}

	wap := func(seq int, data []byte) store.Part {
		p := store.Part{Inbound: store.Inbound{To: "+447400123456", From: "Operator", Binary: data, ReceivedAt: t0, Source: "modem"}, Ref: 9, RefBits: 8, Total: 2, Seq: seq}
		p.SourceID = fmt.Sprintf("wap-%d", seq)
		return p
	}
	st.AddPart(ctx, wap(2, []byte{0xcc, 0xdd}))
	r, done, err := st.AddPart(ctx, wap(1, []byte{0xaa, 0xbb}))
	if err != nil || !done {
		t.Fatalf("binary parts: %v %v", done, err)
	}
	m, err := st.Message(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Body != "" || string(m.Binary) != "\xaa\xbb\xcc\xdd" || m.Parts != 2 {
		t.Errorf("binary message = body %q binary %x parts %d", m.Body, m.Binary, m.Parts)
	}
}

// TestRowCacheAcrossProcesses: a second process (here a second store on the
// same file) adding a number or blocking a sender is seen by the next insert
// of the first, whatever the first remembers of them.
func TestRowCacheAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	first := mustInsert(t, a, msg("+447400123456", "Bank", "code 1111", t0))
	if first.Published {
		t.Fatal("published before the number was added")
	}
	if _, err := b.AddNumber(ctx, "other", "+447400123456", ""); err != nil {
		t.Fatal(err)
	}
	second := mustInsert(t, a, msg("+447400123456", "Bank", "code 2222", t0.Add(time.Second)))
	if !second.Published {
		t.Fatal("a number added by another process stayed unpublished for the first")
	}
	if err := b.BlockSender(ctx, "other", "bank", "abuse", true); err != nil {
		t.Fatal(err)
	}
	third := mustInsert(t, a, msg("+447400123456", "Bank", "code 3333", t0.Add(2*time.Second)))
	if _, err := a.Message(ctx, third.ID); !store.IsNotFound(err) {
		t.Errorf("a sender blocked by another process is still published by the first: %v", err)
	}
	// The same within one process.
	if err := a.BlockSender(ctx, "admin", "bank", "", false); err != nil {
		t.Fatal(err)
	}
	fourth := mustInsert(t, a, msg("+447400123456", "Bank", "code 4444", t0.Add(3*time.Second)))
	if _, err := a.Message(ctx, fourth.ID); err != nil {
		t.Errorf("an unblocked sender stays hidden: %v", err)
	}
}
