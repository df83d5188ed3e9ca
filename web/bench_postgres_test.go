package web

// The page benchmarks on PostgreSQL beside SQLite, in the same run.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"smsinbox/store"
	"smsinbox/store/storetest"
)

const postgresEnv = storetest.PostgresEnv

// benchPostgres copies the generated SQLite database db into the schema
// bench_pages_COUNT of the PostgreSQL database named by
// SMSINBOX_TEST_POSTGRES, once: the table bench_copied of that schema
// records which file was copied, and later runs reuse the copy. A copy
// that was interrupted is resumed (smsinbox migrate continues after the
// last copied row); a copy of another file is dropped and made again.
func benchPostgres(b *testing.B, bin, db string, count int) string {
	b.Helper()
	base := os.Getenv(postgresEnv)
	schema := fmt.Sprintf("bench_pages_%d", count)
	dsn := storetest.WithSchema(base, schema)

	// The copied file is named by its path and when its generation ended.
	done, err := os.Stat(db + ".done")
	if err != nil {
		b.Fatal(err)
	}
	source := db + " " + done.ModTime().UTC().Format(time.RFC3339Nano)

	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var copied string
	err = admin.QueryRow(`SELECT source FROM ` + schema + `.bench_copied`).Scan(&copied)
	switch {
	case err == nil && copied == source:
		return dsn
	case err == nil || errors.Is(err, sql.ErrNoRows):
		b.Logf("schema %s holds a copy of %q; copying %q anew", schema, copied, source)
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			b.Fatalf("drop schema %s: %v", schema, err)
		}
	}
	if _, err := admin.Exec(`CREATE SCHEMA IF NOT EXISTS ` + schema); err != nil {
		b.Fatalf("create schema %s: %v", schema, err)
	}
	t0 := time.Now()
	out, err := exec.Command(bin, "migrate", "--from", db, "--to", dsn).CombinedOutput()
	if err != nil {
		b.Fatalf("smsinbox migrate: %v\n%s", err, out)
	}
	if _, err := admin.Exec(`CREATE TABLE ` + schema + `.bench_copied (source text NOT NULL)`); err != nil {
		b.Fatalf("mark the copy: %v", err)
	}
	if _, err := admin.Exec(`INSERT INTO `+schema+`.bench_copied (source) VALUES ($1)`, source); err != nil {
		b.Fatalf("mark the copy: %v", err)
	}
	b.Logf("copied %s into schema %s in %v: %s", db, schema, time.Since(t0).Round(time.Second), strings.TrimSpace(string(out)))
	return dsn
}

// uncachedSite serves the site over dsn from this process without its
// page cache, so that every request reads the database and renders.
func uncachedSite(b *testing.B, dsn string) *httptest.Server {
	b.Helper()
	st, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(New(st, nil, Config{PublicURL: "http://bench.example", Logger: log, PageCacheBytes: -1}))
	b.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return srv
}

// storeRow is one page measured on both stores.
type storeRow struct {
	name         string
	sqlite, pg   loadResult
	sqliteB, pgB int // plain page bytes
	cacheless    bool
	sqliteU, pgU loadResult // without the page cache
}

// BenchmarkPagesPostgres measures the pages of BenchmarkPages (home,
// number, sender, country; 64 concurrent connections over loopback, gzip
// accepted) on the same generated database of SMSINBOX_BENCH_MESSAGES
// messages (default 100,000) served by `smsinbox serve --db FILE` and,
// copied into PostgreSQL, by `smsinbox serve --db postgres://...`, in
// alternating rounds of the same run. It then measures the same pages
// without the page cache (web.Config.PageCacheBytes -1, which serve does
// not expose), served from this process over loopback, so that every
// request reads and renders. Each iteration sends SMSINBOX_BENCH_REQUESTS
// requests (default 5000) to each page on each store, a fifth of that
// without the cache. Needs SMSINBOX_TEST_POSTGRES (see .ci/postgres.sh).
func BenchmarkPagesPostgres(b *testing.B) {
	if os.Getenv(postgresEnv) == "" {
		b.Skip(postgresEnv + " is not set")
	}
	count := envInt("SMSINBOX_BENCH_MESSAGES", 100000)
	requests := envInt("SMSINBOX_BENCH_REQUESTS", 5000)
	const conc = 64
	bin := buildBinary(b)
	db := benchDB(b, bin, count)
	dsn := benchPostgres(b, bin, db, count)
	staticDir := b.TempDir()
	lite := startServer(b, bin, db, staticDir)
	pg := startServer(b, bin, dsn, staticDir)
	client := benchClient(conc)
	pages := benchPages(b, client, lite.base)
	var liteU, pgU *httptest.Server
	if requests/5 > 0 {
		liteU, pgU = uncachedSite(b, db), uncachedSite(b, dsn)
	}

	var rows []storeRow
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			r := storeRow{name: p.name}
			// Both stores hold the same messages: the pages match in size
			// (relative times may differ by a few bytes).
			_, plainL := fetch(b, client, lite.base+p.path, false)
			_, plainP := fetch(b, client, pg.base+p.path, false)
			r.sqliteB, r.pgB = len(plainL), len(plainP)
			if d := r.sqliteB - r.pgB; d*50 > r.sqliteB || -d*50 > r.sqliteB {
				b.Fatalf("%s is %d bytes on SQLite and %d on PostgreSQL: the copy differs", p.path, r.sqliteB, r.pgB)
			}
			load(b, client, lite.base+p.path, 200, conc) // warm connections and caches
			load(b, client, pg.base+p.path, 200, conc)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for round := 0; round < 5; round++ {
					r.sqlite.add(load(b, client, lite.base+p.path, requests/5, conc))
					r.pg.add(load(b, client, pg.base+p.path, requests/5, conc))
				}
				if liteU != nil {
					r.cacheless = true
					n := requests / 5
					for round := 0; round < 5; round++ {
						r.sqliteU.add(load(b, client, liteU.URL+p.path, max(1, n/5), conc))
						r.pgU.add(load(b, client, pgU.URL+p.path, max(1, n/5), conc))
					}
				}
			}
			b.StopTimer()
			if r.cacheless {
				b.ReportMetric(r.sqliteU.rps(), "nocache-sqlite-req/s")
				b.ReportMetric(r.pgU.rps(), "nocache-pg-req/s")
				b.ReportMetric(r.pgU.rps()/r.sqliteU.rps(), "nocache-pg/sqlite")
			}
			b.ReportMetric(r.sqlite.rps(), "sqlite-req/s")
			b.ReportMetric(ms(r.sqlite.pct(0.99)), "sqlite-p99-ms")
			b.ReportMetric(r.pg.rps(), "pg-req/s")
			b.ReportMetric(ms(r.pg.pct(0.99)), "pg-p99-ms")
			b.ReportMetric(r.pg.rps()/r.sqlite.rps(), "pg/sqlite")
			rows = append(rows, r)
		})
	}
	b.Run("summary", func(b *testing.B) {
		var t strings.Builder
		fmt.Fprintf(&t, "%d messages, %d connections, gzip accepted; smsinbox serve, %d requests a page a store:\n", count, conc, requests)
		fmt.Fprintf(&t, "%-8s %10s %9s %10s %9s %8s\n", "page", "SQLite r/s", "p99 ms", "PG r/s", "p99 ms", "PG/SQLite")
		worst := 0.0
		for i, r := range rows {
			ratio := r.pg.rps() / r.sqlite.rps()
			if i == 0 || ratio < worst {
				worst = ratio
			}
			fmt.Fprintf(&t, "%-8s %10.0f %9.2f %10.0f %9.2f %8.2f\n", r.name, r.sqlite.rps(), ms(r.sqlite.pct(0.99)), r.pg.rps(), ms(r.pg.pct(0.99)), ratio)
		}
		if len(rows) > 0 && rows[0].cacheless {
			fmt.Fprintf(&t, "without the page cache (every request reads and renders), %d requests a page a store:\n", requests/5)
			fmt.Fprintf(&t, "%-8s %10s %9s %10s %9s %8s\n", "page", "SQLite r/s", "p99 ms", "PG r/s", "p99 ms", "PG/SQLite")
			for _, r := range rows {
				fmt.Fprintf(&t, "%-8s %10.0f %9.2f %10.0f %9.2f %8.2f\n", r.name, r.sqliteU.rps(), ms(r.sqliteU.pct(0.99)), r.pgU.rps(), ms(r.pgU.pct(0.99)), r.pgU.rps()/r.sqliteU.rps())
			}
		}
		_, litePeak := lite.memory()
		_, pgPeak := pg.memory()
		fmt.Fprintf(&t, "server peak resident memory: %.1f MB on SQLite, %.1f MB on PostgreSQL", litePeak, pgPeak)
		b.Log(t.String())
		b.ReportMetric(worst, "worst-pg/sqlite")
		b.ReportMetric(0, "ns/op")
	})
}
