package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"smsinbox/store"
)

// A message that arrives while its number is being published must be
// published with the rest: the row cache may not answer with the number's
// status from before the publishing transaction committed.
func TestPublishWhileReceiving(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const rounds, each = 100, 8
	for r := range rounds {
		e164 := fmt.Sprintf("+4474001%05d", r)
		at := t0.Add(time.Duration(r) * time.Minute)
		mustInsert(t, st, msg(e164, "Bank", fmt.Sprintf("round %d first", r), at))
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := st.Ingest(ctx, msg(e164, "Bank", fmt.Sprintf("round %d code %d", r, i), at.Add(time.Duration(i+1)*time.Second))); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := st.AddNumber(ctx, "test", e164, ""); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		n, err := st.Number(ctx, e164)
		if err != nil {
			t.Fatal(err)
		}
		if n.Messages != each+1 {
			t.Fatalf("round %d: the published number shows %d of its %d messages", r, n.Messages, each+1)
		}
	}
}
