// Package storetest gives tests and benchmarks of any package a
// PostgreSQL database to run on: the one that SMSINBOX_TEST_POSTGRES names
// (see .ci/postgres.sh), in a schema of their own.
package storetest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// PostgresEnv names the environment variable that holds the address of the
// test database.
const PostgresEnv = "SMSINBOX_TEST_POSTGRES"

// PostgresBase is the address of the test database, "" when there is none.
func PostgresBase() string { return os.Getenv(PostgresEnv) }

// WithSchema is the address base with its search_path set to schema.
func WithSchema(base, schema string) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// PostgresSchema creates a schema named prefix and a random suffix in the
// test database, drops it when the test ends, and returns an address whose
// search_path is that schema. It skips the test when there is no test
// database.
func PostgresSchema(tb testing.TB, prefix string) string {
	tb.Helper()
	base := PostgresBase()
	if base == "" {
		tb.Skip(PostgresEnv + " is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := prefix + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema in %s: %v", PostgresEnv, err)
	}
	tb.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	return WithSchema(base, schema)
}
