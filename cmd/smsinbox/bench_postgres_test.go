package main

// Webhook ingest into PostgreSQL through two server processes, beside
// one process on PostgreSQL and one on SQLite, in the same run.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smsinbox/store"
)

// ingestRun is what webhook loads measured.
type ingestRun struct {
	lat     []time.Duration // every delivery's latency
	elapsed time.Duration
	perNode []int // deliveries each node acknowledged
}

func (r *ingestRun) add(o ingestRun) {
	r.lat = append(r.lat, o.lat...)
	r.elapsed += o.elapsed
	if r.perNode == nil {
		r.perNode = make([]int, len(o.perNode))
	}
	for i, n := range o.perNode {
		r.perNode[i] += n
	}
}

func (r *ingestRun) rate() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

func (r *ingestRun) p99() time.Duration {
	l := slices.Clone(r.lat)
	slices.Sort(l)
	return l[min(len(l)-1, len(l)*99/100)]
}

// ingestLoad posts messages [0, n) to /ingest/json from conc clients at
// once, client w posting to nodes[w%len(nodes)], and fails on any answer
// but 2xx.
func ingestLoad(tb testing.TB, nodes []string, n, conc int) ingestRun {
	tb.Helper()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	defer client.CloseIdleConnections()
	lat := make([][]time.Duration, conc)
	perNode := make([]atomic.Int64, len(nodes))
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			node := w % len(nodes)
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				ok, d := post(client, nodes[node], crashMessage(i))
				if !ok {
					failed.Store(fmt.Sprintf("%s refused message %d", nodes[node], i))
					return
				}
				lat[w] = append(lat[w], d)
				perNode[node].Add(1)
			}
		}(w)
	}
	wg.Wait()
	r := ingestRun{elapsed: time.Since(start)}
	if f := failed.Load(); f != nil {
		tb.Fatal(f)
	}
	for _, l := range lat {
		r.lat = append(r.lat, l...)
	}
	for i := range perNode {
		r.perNode = append(r.perNode, int(perNode[i].Load()))
	}
	return r
}

// storedOnce checks that the database dsn holds the messages crash-0 to
// crash-(n-1) exactly once each, and no other.
func storedOnce(tb testing.TB, dsn string, n int) {
	tb.Helper()
	st, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	seen := map[string]int{}
	rows := 0
	if err := st.Export(context.Background(), true, func(m store.Message) error {
		seen[m.SourceID]++
		rows++
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	var missing, doubled []string
	for i := 0; i < n; i++ {
		id := "crash-" + strconv.Itoa(i)
		switch seen[id] {
		case 0:
			missing = append(missing, id)
		case 1:
		default:
			doubled = append(doubled, id)
		}
	}
	if rows != n || len(missing) > 0 || len(doubled) > 0 {
		tb.Fatalf("the database holds %d messages (%d distinct) for %d delivered; missing %v; stored more than once %v",
			rows, len(seen), n, missing[:min(len(missing), 10)], doubled[:min(len(doubled), 10)])
	}
}

// BenchmarkWebhookPostgresTwoNodes measures sustained webhook ingest
// (/ingest/json, durable commits: a delivery is answered once its
// transaction committed) from 64 concurrent senders over loopback into
// two `smsinbox serve` processes on one fresh PostgreSQL schema, the
// senders split evenly across both. In the same run, for comparison, the
// same load into one process on a fresh PostgreSQL schema and into one
// process on a fresh SQLite file. Each iteration delivers 4,000 messages
// to each setup; afterwards the first 100 are delivered again to each node
// (a gateway's retry, possibly to the other node) and every database must
// hold every message exactly once. Needs SMSINBOX_TEST_POSTGRES (see
// .ci/postgres.sh).
func BenchmarkWebhookPostgresTwoNodes(b *testing.B) {
	if os.Getenv(postgresEnv) == "" {
		b.Skip(postgresEnv + " is not set")
	}
	const (
		n       = 4000
		conc    = 64
		retries = 100
	)
	setups := []struct {
		name  string
		nodes int
		dsn   func() string
	}{
		{"postgres-2-nodes", 2, func() string { return postgresSchema(b) }},
		{"postgres-1-node", 1, func() string { return postgresSchema(b) }},
		{"sqlite-1-node", 1, func() string { return filepath.Join(b.TempDir(), "ingest.db") }},
	}
	runs := make([]ingestRun, len(setups))
	client := &http.Client{Timeout: 30 * time.Second}
	for i := 0; i < b.N; i++ {
		for k, s := range setups {
			dsn := s.dsn()
			var nodes []string
			var procs []*server
			for j := 0; j < s.nodes; j++ {
				srv := startBinary(b, dsn)
				procs = append(procs, srv)
				nodes = append(nodes, srv.base)
			}
			runs[k].add(ingestLoad(b, nodes, n, conc))
			for _, node := range nodes {
				for m := 0; m < retries; m++ {
					if ok, _ := post(client, node, crashMessage(m)); !ok {
						b.Fatalf("%s: %s refused the retry of message %d", s.name, node, m)
					}
				}
			}
			for _, p := range procs {
				p.kill()
			}
			storedOnce(b, dsn, n)
		}
	}
	b.StopTimer()
	var t strings.Builder
	fmt.Fprintf(&t, "webhook ingest, %d messages an iteration, %d concurrent senders, durable commits; every message stored exactly once:\n", n, conc)
	fmt.Fprintf(&t, "%-17s %8s %8s  %s\n", "setup", "msgs/s", "p99 ms", "deliveries per node")
	for k, s := range setups {
		r := &runs[k]
		fmt.Fprintf(&t, "%-17s %8.0f %8.1f  %v\n", s.name, r.rate(), float64(r.p99().Microseconds())/1000, r.perNode)
	}
	two, one, lite := &runs[0], &runs[1], &runs[2]
	fmt.Fprintf(&t, "2 PostgreSQL nodes / 1 PostgreSQL node: %.2f; 2 PostgreSQL nodes / 1 SQLite node: %.2f", two.rate()/one.rate(), two.rate()/lite.rate())
	b.Log(t.String())
	b.ReportMetric(two.rate(), "pg2-msgs/s")
	b.ReportMetric(float64(two.p99().Microseconds())/1000, "pg2-p99-ms")
	b.ReportMetric(one.rate(), "pg1-msgs/s")
	b.ReportMetric(float64(one.p99().Microseconds())/1000, "pg1-p99-ms")
	b.ReportMetric(lite.rate(), "sqlite-msgs/s")
	b.ReportMetric(float64(lite.p99().Microseconds())/1000, "sqlite-p99-ms")
	b.ReportMetric(two.rate()/lite.rate(), "pg2/sqlite")
}
