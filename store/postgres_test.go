package store_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"smsinbox/store"
)

func postgresOnly(t *testing.T) string {
	t.Helper()
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set")
	}
	return postgresDSN(t)
}

func TestPostgresOpenErrors(t *testing.T) {
	dsn := postgresOnly(t)
	ctx := context.Background()
	check := func(name, dsn, want string) {
		t.Helper()
		st, err := store.Open(ctx, dsn, store.Options{})
		if err == nil {
			st.Close()
			t.Errorf("%s: opened", name)
			return
		}
		msg := store.MessageOf(err)
		if !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: message %q, want one sentence containing %q", name, msg, want)
		}
		if strings.Contains(msg, "secret-password") {
			t.Errorf("%s: message shows the password: %q", name, msg)
		}
	}
	check("unreachable", "postgres://u:secret-password@127.0.0.1:1/x?connect_timeout=2", "cannot reach the PostgreSQL server")
	check("malformed", "postgres://u:secret-password@127.0.0.1:notaport/x", "not valid")
	u, _ := url.Parse(os.Getenv(postgresEnv))
	bad := *u
	bad.User = url.UserPassword(u.User.Username(), "secret-password")
	check("wrong password", bad.String(), "refused the user or password")
	missing := *u
	missing.Path = "/smsinbox_no_such_database"
	check("missing database", missing.String(), "does not exist")

	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := st.SchemaVersion(ctx); err != nil || v < 1 {
		t.Errorf("schema version = %d, %v", v, err)
	}
	st.Close()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE schema_version SET version = 999`); err != nil {
		t.Fatal(err)
	}
	check("newer schema", dsn, "newer smsinbox")
}

// TestPostgresNotify checks that a commit through one store wakes the
// OnCommit callbacks of another store on the same database, as two nodes.
func TestPostgresNotify(t *testing.T) {
	dsn := postgresOnly(t)
	ctx := context.Background()
	a, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	woken := make(chan int64, 16)
	b.OnCommit(func(id int64) { woken <- id })
	// The listener runs the callbacks once when it connects; wait for it.
	select {
	case <-woken:
	case <-time.After(5 * time.Second):
	}
	var mu sync.Mutex
	var local []int64
	ready := make(chan struct{}, 1)
	a.OnCommit(func(id int64) {
		mu.Lock()
		local = append(local, id)
		mu.Unlock()
		select {
		case ready <- struct{}{}:
		default:
		}
	})
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
	}
	mustAdd(t, a, "+447400123456")
	r, err := a.Ingest(ctx, msg("+447400123456", "Bank", "code 1234", t0))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case id := <-woken:
			if id == r.ID {
				got, err := b.MessagesAfter(ctx, r.ID-1, 10)
				if err != nil || len(got) != 1 || got[0].ID != r.ID {
					t.Fatalf("node b reads %+v, %v after the wake-up", got, err)
				}
				// Node a heard its own commit once, not again via NOTIFY.
				time.Sleep(100 * time.Millisecond)
				mu.Lock()
				defer mu.Unlock()
				mine := 0
				for _, id := range local {
					if id == r.ID {
						mine++
					}
				}
				if mine != 1 {
					t.Errorf("node a's callbacks ran with %v, want %d once", local, r.ID)
				}
				return
			}
		case <-deadline:
			t.Fatalf("node b was not woken for message %d", r.ID)
		}
	}
}

// TestPostgresConcurrentNodes writes through several stores at once and
// checks that ids become visible in order (what live updates rely on) and
// that the kept counts add up.
func TestPostgresConcurrentNodes(t *testing.T) {
	dsn := postgresOnly(t)
	ctx := context.Background()
	nodes := make([]*store.Store, 3)
	for i := range nodes {
		st, err := store.Open(ctx, dsn, store.Options{AutoAddNumbers: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		nodes[i] = st
	}
	reader := nodes[0]
	stop := make(chan struct{})
	var seen []int64
	var readErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		var last int64
		for {
			select {
			case <-stop:
				return
			default:
			}
			newest, err := reader.LastID(ctx)
			if err != nil {
				readErr = err
				return
			}
			for newest > last {
				got, err := reader.MessagesAfter(ctx, last, 500)
				if err != nil {
					readErr = err
					return
				}
				if len(got) == 0 {
					last = newest
					break
				}
				for _, m := range got {
					seen = append(seen, m.ID)
				}
				last = got[len(got)-1].ID
			}
		}
	}()
	const perWorker = 20
	var wg sync.WaitGroup
	senders := []string{"Bank", "Shop", "Chat"}
	for i, st := range nodes {
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < perWorker; j++ {
					in := msg("+447400123456", senders[(w+j)%3], "code "+strconv.Itoa(i*1000000+w*1000+j), t0.Add(time.Duration(j)*time.Second))
					if _, err := st.Ingest(ctx, in); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	time.Sleep(200 * time.Millisecond)
	close(stop)
	<-done
	if readErr != nil {
		t.Fatal(readErr)
	}
	want := len(nodes) * 4 * perWorker
	if len(seen) != want {
		t.Errorf("the reader saw %d of %d messages: ids committed out of order were missed", len(seen), want)
	}
	n, err := reader.Number(ctx, "+447400123456")
	if err != nil || n.Messages != int64(want) {
		t.Errorf("number count = %d, %v; want %d", n.Messages, err, want)
	}
	var total int64
	for _, k := range []string{"bank", "shop", "chat"} {
		sd, err := reader.Sender(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		total += sd.Messages
	}
	if total != int64(want) {
		t.Errorf("sender counts add up to %d, want %d", total, want)
	}
}
