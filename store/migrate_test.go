package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"smsinbox/store"
)

// TestMigrate copies a SQLite database into each backend, once interrupted
// and resumed, and checks that the copy answers like the original.
func TestMigrate(t *testing.T) { forEachBackend(t, testMigrate) }

func testMigrate(t *testing.T, b backend) {
	ctx := context.Background()
	src, err := store.Open(ctx, filepath.Join(t.TempDir(), "src.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	mustAdd(t, src, "+447400123456")
	mustAdd(t, src, "+4915112345678")
	var ins []store.Inbound
	for i := 0; i < 2500; i++ {
		to := "+447400123456"
		if i%3 == 0 {
			to = "+4915112345678"
		}
		ins = append(ins, msg(to, fmt.Sprintf("Sender%d", i%40), fmt.Sprintf("Your café code is %06d", i), t0.Add(time.Duration(i)*time.Second)))
	}
	ins = append(ins, msg("+33612345678", "Pending", "not published yet 4455", t0))
	if _, err := src.InsertBatch(ctx, ins); err != nil {
		t.Fatal(err)
	}
	latest, _ := src.Messages(ctx, store.Filter{Limit: 1})
	if err := src.HideMessage(ctx, "admin", latest[0].ID, "personal data"); err != nil {
		t.Fatal(err)
	}
	if err := src.BlockSender(ctx, "admin", "sender7", "spam", true); err != nil {
		t.Fatal(err)
	}
	part := store.Part{Inbound: msg("+447400123456", "Bank", "", t0), Ref: 5, RefBits: 8, Total: 2, Seq: 1, Text: "first half"}
	if _, _, err := src.AddPart(ctx, part); err != nil {
		t.Fatal(err)
	}
	src.SetMeta(ctx, "site", "copied")

	dst, _ := b.open(t, store.Options{})
	stop, cancel := context.WithCancel(ctx)
	calls := 0
	err = store.Migrate(stop, src, dst, func(done, total int64) {
		calls++
		if done > 1500 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted migrate: %v", err)
	}
	var last, all int64
	err = store.Migrate(ctx, src, dst, func(done, total int64) {
		if done < last || done > total {
			t.Errorf("progress went %d -> %d of %d", last, done, total)
		}
		last, all = done, total
	})
	if err != nil {
		t.Fatal(err)
	}
	if last != all || all < 2500 {
		t.Errorf("progress ended at %d of %d", last, all)
	}

	var a, c []store.Message
	src.Export(ctx, true, func(m store.Message) error { a = append(a, m); return nil })
	dst.Export(ctx, true, func(m store.Message) error { c = append(c, m); return nil })
	if len(a) != len(c) || len(a) != 2501 {
		t.Fatalf("copy holds %d of %d messages", len(c), len(a))
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], c[i]) {
			t.Fatalf("message %d differs:\n%+v\n%+v", i, a[i], c[i])
		}
	}
	for _, q := range []func(st *store.Store) (any, error){
		func(st *store.Store) (any, error) { return st.Numbers(ctx, store.NumberFilter{Status: "all"}) },
		func(st *store.Store) (any, error) { return st.Countries(ctx) },
		func(st *store.Store) (any, error) { return st.Profile(ctx, "sender3") },
		func(st *store.Store) (any, error) { return st.Senders(ctx, store.SenderFilter{Sort: "messages"}) },
		func(st *store.Store) (any, error) { return st.AuditLog(ctx, 10) },
		func(st *store.Store) (any, error) { return st.Search(ctx, "cafe 000042", 0, 10) },
		func(st *store.Store) (any, error) { return st.PendingParts(ctx) },
		func(st *store.Store) (any, error) { return st.Meta(ctx, "site") },
	} {
		x, err1 := q(src)
		y, err2 := q(dst)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(x, y) {
			t.Errorf("the copy answers differently:\n%+v (%v)\n%+v (%v)", x, err1, y, err2)
		}
	}
	if hits, _ := dst.Search(ctx, "cafe 000042", 0, 10); len(hits) != 1 {
		t.Errorf("search in the copy found %d", len(hits))
	}
	// New rows in the copy take ids after the copied ones.
	r := mustInsert(t, dst, msg("+447400123456", "Bank", "after the copy 9876", t0.Add(time.Hour)))
	if r.ID <= a[len(a)-1].ID {
		t.Errorf("new message id %d is not after the copied %d", r.ID, a[len(a)-1].ID)
	}
	part.Seq, part.Text = 2, " second half"
	if _, done, err := dst.AddPart(ctx, part); err != nil || !done {
		t.Errorf("the copied part did not complete its message: %v %v", done, err)
	}
	if err := store.Migrate(ctx, src, src, nil); store.KindOf(err) != store.KindInvalid {
		t.Errorf("migrate into itself: %v", err)
	}
}
