package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"smsinbox/store"
	"smsinbox/store/storetest"
)

// postgresEnv names the variable holding the address of a PostgreSQL
// database the tests may create schemas in.
const postgresEnv = storetest.PostgresEnv

func TestMain(m *testing.M) {
	if os.Getenv(postgresEnv) == "" {
		fmt.Println("store: " + postgresEnv + " is not set, so the PostgreSQL runs of the store tests are skipped")
	}
	os.Exit(m.Run())
}

// backend is one implementation of the store under test.
type backend struct {
	name string
	// dsn makes a new, empty database and returns its address.
	dsn func(t testing.TB) string
}

var backends = []backend{
	{name: "sqlite", dsn: func(t testing.TB) string { return filepath.Join(t.TempDir(), "test.db") }},
	{name: "postgres", dsn: postgresDSN},
}

// forEachBackend runs fn once per store implementation, as subtests named
// after them. The PostgreSQL run is skipped without SMSINBOX_TEST_POSTGRES.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "postgres" && os.Getenv(postgresEnv) == "" {
				t.Skip(postgresEnv + " is not set")
			}
			fn(t, b)
		})
	}
}

// open opens a store on a new, empty database and returns it with its
// address, for tests that reopen it.
func (b backend) open(t testing.TB, opts store.Options) (*store.Store, string) {
	t.Helper()
	dsn := b.dsn(t)
	st, err := store.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("open %s: %v", b.name, err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dsn
}

// postgresDSN is an address of the test database whose search_path is a
// schema of the test's own.
func postgresDSN(t testing.TB) string { return storetest.PostgresSchema(t, "test_") }
