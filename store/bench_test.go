package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smsinbox/store"
	"smsinbox/store/demo"
	"smsinbox/store/storetest"
)

// benchDB builds (once per run and size) a database of the demo data set
// with the given number of messages over 1,000 numbers and 50,000 senders.
var benchDBs sync.Map

func benchDB(b *testing.B, messages int) *store.Store {
	b.Helper()
	ctx := context.Background()
	dir := os.Getenv("SMSINBOX_BENCH_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	// The same file (and marker of a finished generation) as the page
	// benchmarks, which make it with `smsinbox demo` and these sizes.
	path := filepath.Join(dir, fmt.Sprintf("smsinbox-bench-r%d-m%d-n1000-s50000.db", demo.Revision, messages))
	if v, ok := benchDBs.Load(path); ok {
		return v.(*store.Store)
	}
	done := path + ".done"
	_, statErr := os.Stat(done)
	if statErr != nil {
		for _, f := range []string{path, path + "-wal", path + "-shm"} {
			os.Remove(f)
		}
	}
	st, err := store.Open(ctx, path, store.Options{WriteCacheMB: 256})
	if err != nil {
		b.Fatal(err)
	}
	if statErr != nil {
		start := time.Now()
		sum, err := demo.Generate(ctx, st, demo.Options{Messages: messages, Numbers: 1000, Senders: 50000})
		if err != nil {
			b.Fatal(err)
		}
		line := fmt.Sprintf("stored %d messages in %v", sum.Messages, time.Since(start).Round(time.Millisecond))
		if err := os.WriteFile(done, []byte(line+"\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Log(line)
	}
	benchDBs.Store(path, st)
	return st
}

// samples is how many times a latency benchmark runs its query, whatever
// -benchtime says, so that its percentiles mean something.
func samples(b *testing.B) int { return max(b.N, 300) }

// benchPostgres returns the PostgreSQL copy of the SQLite benchmark
// database of that size, in a schema of the SMSINBOX_TEST_POSTGRES
// database kept between runs, copied with Migrate when missing; nil
// without SMSINBOX_TEST_POSTGRES.
func benchPostgres(b *testing.B, messages int) *store.Store {
	b.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		return nil
	}
	key := fmt.Sprintf("postgres-%d", messages)
	if v, ok := benchDBs.Load(key); ok {
		return v.(*store.Store)
	}
	ctx := context.Background()
	schema := fmt.Sprintf("bench_r%d_%d", demo.Revision, messages)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA IF NOT EXISTS ` + schema); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, storetest.WithSchema(base, schema), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	src := benchDB(b, messages)
	start := time.Now()
	if err := store.Migrate(ctx, src, st, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := admin.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("PostgreSQL copy of %d messages ready in %v", messages, time.Since(start).Round(time.Millisecond))
	benchDBs.Store(key, st)
	return st
}

// benchBackends are the stores to measure: SQLite always, PostgreSQL
// with SMSINBOX_TEST_POSTGRES.
func benchBackends(b *testing.B) []backend {
	if os.Getenv(postgresEnv) == "" {
		b.Log(postgresEnv + " is not set: PostgreSQL is not measured")
		return backends[:1]
	}
	return backends
}

func benchSizes() []int {
	big := 1000000
	if v, err := strconv.Atoi(os.Getenv("SMSINBOX_BENCH_MESSAGES")); err == nil && v > 0 {
		big = v
	}
	if big <= 100000 {
		return []int{big}
	}
	return []int{100000, big}
}

// BenchmarkInsert measures stored messages per second, one per transaction
// and in batches of 500.
func BenchmarkInsert(b *testing.B) {
	for _, be := range benchBackends(b) {
		for _, batch := range []int{1, 500} {
			b.Run(fmt.Sprintf("%s/batch=%d", be.name, batch), func(b *testing.B) {
				benchInsert(b, be, batch)
			})
		}
	}
}

func benchInsert(b *testing.B, be backend, batch int) {
	ctx := context.Background()
	st, err := store.Open(ctx, be.dsn(b), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	st.AddNumber(ctx, "bench", "+447400123456", "")
	n := 0
	start := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ins := make([]store.Inbound, batch)
		for j := range ins {
			n++
			ins[j] = store.Inbound{To: "+447400123456", From: fmt.Sprintf("Sender%d", n%500), Body: fmt.Sprintf("Your code is %06d. Do not share it.", n), Source: "bench", SourceID: strconv.Itoa(n)}
		}
		if _, err := st.InsertBatch(ctx, ins); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkIngest measures stored messages per second through the group
// committer with 64 concurrent callers, as webhooks and modems call it.
func BenchmarkIngest(b *testing.B) {
	for _, be := range benchBackends(b) {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			st, err := store.Open(ctx, be.dsn(b), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			st.AddNumber(ctx, "bench", "+447400123456", "")
			var seq atomic.Int64
			b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0)))
			start := time.Now()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := seq.Add(1)
					in := store.Inbound{To: "+447400123456", From: fmt.Sprintf("Sender%d", n%500), Body: fmt.Sprintf("Your code is %06d. Do not share it.", n), Source: "bench", SourceID: strconv.FormatInt(n, 10)}
					if _, err := st.Ingest(ctx, in); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(seq.Load())/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// BenchmarkQueries measures p50 and p99 latency of the number, sender and
// home listings at 100,000 and 1,000,000 messages (SMSINBOX_BENCH_MESSAGES
// sets the larger size) and reports the ratio of the two sizes' p50.
func BenchmarkQueries(b *testing.B) {
	ctx := context.Background()
	sizes := benchSizes()
	p50 := map[string]map[int]time.Duration{}
	pgP50 := map[string]map[int]time.Duration{}
	bySize := map[int]map[string]func(int) error{}
	for _, size := range sizes {
		bySize[size] = benchQueries(b, ctx, "", benchDB(b, size), size, p50)
		if pg := benchPostgres(b, size); pg != nil {
			benchQueries(b, ctx, "postgres/", pg, size, pgP50)
		}
	}
	if len(sizes) == 2 {
		// The ratio takes the two sizes' samples in turn, so that other
		// load on the machine weighs on both alike.
		for _, name := range queryNames {
			small, big := bySize[sizes[0]][name], bySize[sizes[1]][name]
			var ls, lb []time.Duration
			for i := 0; i < samples(b); i++ {
				for _, q := range []struct {
					fn  func(int) error
					lat *[]time.Duration
				}{{small, &ls}, {big, &lb}} {
					t := time.Now()
					if err := q.fn(i); err != nil {
						b.Fatal(err)
					}
					*q.lat = append(*q.lat, time.Since(t))
				}
			}
			slices.Sort(ls)
			slices.Sort(lb)
			ps, pb := ls[len(ls)/2], lb[len(lb)/2]
			fmt.Printf("%-15s p50 at %d: %v, at %d: %v, ratio %.2f (samples taken in turn)\n", name, sizes[0], ps, sizes[1], pb, float64(pb)/float64(ps))
		}
	}
	for name, bySize := range pgP50 {
		for _, size := range sizes {
			if lite := p50[name][size]; lite > 0 {
				fmt.Printf("%-15s p50 at %d messages: SQLite %v, PostgreSQL %v, ratio %.2f\n", name, size, lite, bySize[size], float64(bySize[size])/float64(lite))
			}
		}
	}
}

// queryNames are the queries BenchmarkQueries measures, in order.
var queryNames = []string{"home", "number", "sender", "sender-profile", "search"}

func benchQueries(b *testing.B, ctx context.Context, prefix string, st *store.Store, size int, p50 map[string]map[int]time.Duration) map[string]func(int) error {
	nums, err := st.Numbers(ctx, store.NumberFilter{})
	if err != nil || len(nums) == 0 {
		b.Fatal("no numbers", err)
	}
	top, err := st.Senders(ctx, store.SenderFilter{Sort: "messages", Limit: 1})
	if err != nil || len(top) == 0 {
		b.Fatal("no senders", err)
	}
	queries := map[string]func(i int) error{
		"home": func(int) error { _, err := st.Messages(ctx, store.Filter{}); return err },
		"number": func(i int) error {
			_, err := st.Messages(ctx, store.Filter{NumberID: nums[i%len(nums)].ID})
			return err
		},
		"sender":         func(int) error { _, err := st.Messages(ctx, store.Filter{SenderKey: top[0].Key}); return err },
		"sender-profile": func(int) error { _, err := st.Profile(ctx, top[0].Key); return err },
		"search":         func(int) error { _, err := st.Search(ctx, "code", 0, 50); return err },
	}
	for _, name := range queryNames {
		q := queries[name]
		b.Run(fmt.Sprintf("%s%s/messages=%d", prefix, name, size), func(b *testing.B) {
			// One untimed pass first: the figures are of the warm caches a
			// serving site has, not of a file just written or evicted.
			for i := 0; i < samples(b); i++ {
				if err := q(i); err != nil {
					b.Fatal(err)
				}
			}
			lat := make([]time.Duration, 0, samples(b))
			for i := 0; i < samples(b); i++ {
				t := time.Now()
				if err := q(i); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			if p50[name] == nil {
				p50[name] = map[int]time.Duration{}
			}
			p50[name][size] = lat[len(lat)/2]
		})
	}
	return queries
}
