package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func messageIndexes(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.read.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "load.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AddNumber(ctx, "test", "+447400123456", ""); err != nil {
		t.Fatal(err)
	}
	indexes := messageIndexes(t, s)
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	err = s.Load(ctx, func(insert func([]Inbound) ([]Result, error)) error {
		if got := messageIndexes(t, s); got != 0 {
			t.Errorf("%d message indexes during the load", got)
		}
		for b := 0; b < 3; b++ {
			var ins []Inbound
			for i := 0; i < 10; i++ {
				ins = append(ins, Inbound{To: "+447400123456", From: "Bank", Body: fmt.Sprintf("Your code is %d%d42", b, i), ReceivedAt: at.Add(time.Duration(b*10+i) * time.Second)})
			}
			if _, err := insert(ins); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := messageIndexes(t, s); got != indexes {
		t.Fatalf("%d message indexes after the load, want %d", got, indexes)
	}
	msgs, err := s.Messages(ctx, Filter{SenderKey: "bank", Limit: 100})
	if err != nil || len(msgs) != 30 || msgs[0].Body != "Your code is 2942" {
		t.Fatalf("listing after the load: %d messages, %v", len(msgs), err)
	}
	if hits, err := s.Search(ctx, "code", 0, 100); err != nil || len(hits) != 30 {
		t.Fatalf("search after the load: %d hits, %v", len(hits), err)
	}
	n, _ := s.Number(ctx, "+447400123456")
	if n.Messages != 30 {
		t.Errorf("number count %d", n.Messages)
	}

	// A second load into a database with messages is a plain insert.
	err = s.Load(ctx, func(insert func([]Inbound) ([]Result, error)) error {
		if got := messageIndexes(t, s); got != indexes {
			t.Errorf("indexes dropped for a load into a database with messages")
		}
		_, err := insert([]Inbound{{To: "+447400123456", From: "Bank", Body: "one more 1234", ReceivedAt: at.Add(time.Hour)}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if hits, _ := s.Search(ctx, "more", 0, 10); len(hits) != 1 {
		t.Errorf("search finds %d messages of the second load", len(hits))
	}
}

// TestInterruptedLoad: indexes dropped by a load that never finished (the
// process was killed) are back after the next Open.
func TestInterruptedLoad(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "killed.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	indexes := messageIndexes(t, s)
	if _, err := s.AddNumber(ctx, "test", "+447400123456", ""); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = s.Load(ctx, func(insert func([]Inbound) ([]Result, error)) error {
		insert([]Inbound{{To: "+447400123456", From: "Bank", Body: "code 9876"}})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("a failed load returned %v", err)
	}
	if got := messageIndexes(t, s); got != indexes {
		t.Fatalf("%d message indexes after a failed load, want %d", got, indexes)
	}
	// Drop them again as a load killed in its middle leaves them.
	if _, err := s.dropMessageIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := messageIndexes(t, s); got != indexes {
		t.Fatalf("%d message indexes after reopening, want %d", got, indexes)
	}
	if hits, _ := s.Search(ctx, "9876", 0, 10); len(hits) != 1 {
		t.Errorf("search after reopening finds %d", len(hits))
	}
}
