package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"smsinbox/store"
)

// postgresEnv names the variable holding the address of a PostgreSQL
// database the tests may create schemas in.
const postgresEnv = "SMSINBOX_TEST_POSTGRES"

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

// postgresDSN creates a schema of its own for the test in the database of
// SMSINBOX_TEST_POSTGRES, drops it when the test ends, and returns an
// address whose search_path is that schema.
func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skip(postgresEnv + " is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema in %s: %v", postgresEnv, err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
