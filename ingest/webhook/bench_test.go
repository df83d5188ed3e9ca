package webhook

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
)

// benchClients is how many gateways post at once.
const benchClients = 64

func benchStore(b *testing.B) *store.Store {
	b.Helper()
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.AddNumber(context.Background(), "bench", "+447400123456", "bench"); err != nil {
		b.Fatal(err)
	}
	return st
}

func benchMessage(i int) string {
	return fmt.Sprintf(`{"to":"+447400123456","from":"Bench%d","body":"Your code is %06d","id":"bench-%d"}`, i%50, i%1000000, i)
}

// BenchmarkWebhookIngest posts b.N messages to /ingest/json from 64
// concurrent clients into the real server and store (group commit), then
// stores b.N messages with a plain loop of store.Insert, one transaction
// each, into a second store. It reports the webhook's messages per second
// and 99th-percentile latency, the loop's rate, and their ratio.
func BenchmarkWebhookIngest(b *testing.B) {
	ctx := context.Background()
	st := benchStore(b)
	h := New(st, Config{IngestToken: testToken})
	e := echo.New()
	h.Register(e)
	srv := httptest.NewServer(e)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: benchClients, MaxIdleConnsPerHost: benchClients}}

	var next atomic.Int64
	lat := make([][]time.Duration, benchClients)
	errs := make(chan error, benchClients)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range benchClients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				req, _ := http.NewRequest("POST", srv.URL+"/ingest/json", strings.NewReader(benchMessage(i)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+testToken)
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("status %d", res.StatusCode)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	p99 := all[min(len(all)-1, len(all)*99/100)]
	webhookRate := float64(b.N) / elapsed.Seconds()

	plain := benchStore(b)
	start = time.Now()
	for i := range b.N {
		in := store.Inbound{To: "+447400123456", From: fmt.Sprintf("Bench%d", i%50), Body: fmt.Sprintf("Your code is %06d", i%1000000),
			Source: "json", SourceID: fmt.Sprintf("bench-%d", i)}
		if _, err := plain.Insert(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	insertRate := float64(b.N) / time.Since(start).Seconds()

	b.ReportMetric(webhookRate, "msgs/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(insertRate, "insert-msgs/s")
	b.ReportMetric(webhookRate/insertRate, "ratio")
}
