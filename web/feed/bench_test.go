package feed

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
)

// benchStore fills a store with one busy sender: SMSINBOX_BENCH_MESSAGES
// messages (100,000 by default) over four numbers.
func benchStore(b *testing.B) *store.Store {
	b.Helper()
	n := 100_000
	if v := os.Getenv("SMSINBOX_BENCH_MESSAGES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("SMSINBOX_BENCH_MESSAGES must be a positive whole number, not %q", v)
		}
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	numbers := []string{"+447400123456", "+447400123457", "+447400123458", "+447400123459"}
	for _, num := range numbers {
		if _, err := st.AddNumber(ctx, "bench", num, ""); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const batchSize = 10_000
	batch := make([]store.Inbound, 0, batchSize)
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * 7 * time.Second)
		batch = append(batch, store.Inbound{
			To:         numbers[i%len(numbers)],
			From:       "BenchBank",
			Body:       fmt.Sprintf("Your BenchBank code is %06d. Do not share it <with anyone> & never reply.", i%1_000_000),
			SentAt:     at.Add(-2 * time.Second),
			ReceivedAt: at,
			Source:     "bench",
			SourceID:   strconv.Itoa(i),
		})
		if len(batch) == batchSize || i == n-1 {
			if _, err := st.InsertBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	return st
}

// benchServer serves h's feeds and, beside them, body as a static file.
func benchServer(b *testing.B, h *Handlers, body []byte) *httptest.Server {
	b.Helper()
	path := filepath.Join(b.TempDir(), "feed.xml")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	h.Register(e)
	e.File("/static/feed.xml", path)
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	return srv
}

// hammer sends n requests from several clients at once and returns how
// long they took.
func hammer(b *testing.B, client *http.Client, n int, url string, header http.Header, want int) time.Duration {
	workers := 4 * runtime.GOMAXPROCS(0)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header = header
				resp, err := client.Do(req)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					failed.Store(fmt.Sprintf("%s answered %d, want %d", url, resp.StatusCode, want))
					return
				}
			}
		}()
	}
	wg.Wait()
	if msg := failed.Load(); msg != nil {
		b.Fatal(msg)
	}
	return time.Since(start)
}

// BenchmarkFeeds measures a busy sender's RSS feed in requests per second
// against the same bytes served as a static file by the same server, in
// the same run: "fresh" is a reader without a copy (served from the render
// cache once rendered), "render" renders every request (caches off),
// "not_modified" is a poll answered 304; the "_nomemo" variants validate
// every request against the database instead of reusing a validator for
// up to a second. x_static is the ratio to static.
func BenchmarkFeeds(b *testing.B) {
	st := benchStore(b)
	ctx := context.Background()
	sd, err := st.Sender(ctx, "benchbank")
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("sender benchbank holds %d messages", sd.Messages)
	const feedPath = "/sender/benchbank/rss"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}

	setup := func(b *testing.B, cached, memoized bool) (*httptest.Server, string) {
		h := New(st, Config{PublicURL: "https://sms.example.org"})
		if !cached {
			h.cache = newCache(0, 0)
		}
		if !memoized {
			h.memo = newMemo(0, 0)
		}
		// The static copy is the feed's own bytes.
		probe := httptest.NewServer(func() *echo.Echo { e := echo.New(); h.Register(e); return e }())
		resp, err := client.Get(probe.URL + feedPath)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		probe.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("feed answered %d", resp.StatusCode)
		}
		return benchServer(b, h, body), resp.Header.Get("ETag")
	}

	for _, mode := range []struct {
		name   string
		cached bool
		memo   bool
		cond   bool
		want   int
	}{
		{"fresh", true, true, false, http.StatusOK},
		{"fresh_nomemo", true, false, false, http.StatusOK},
		{"render", false, false, false, http.StatusOK},
		{"not_modified", true, true, true, http.StatusNotModified},
		{"not_modified_nomemo", true, false, true, http.StatusNotModified},
	} {
		b.Run(mode.name, func(b *testing.B) {
			srv, etag := setup(b, mode.cached, mode.memo)
			header := http.Header{}
			if mode.cond {
				header.Set("If-None-Match", etag)
			}
			// Warm connections and caches for both sides.
			hammer(b, client, 200, srv.URL+feedPath, header, mode.want)
			hammer(b, client, 200, srv.URL+"/static/feed.xml", http.Header{}, http.StatusOK)
			b.ResetTimer()
			feedTime := hammer(b, client, b.N, srv.URL+feedPath, header, mode.want)
			b.StopTimer()
			staticTime := hammer(b, client, b.N, srv.URL+"/static/feed.xml", http.Header{}, http.StatusOK)
			feedRate := float64(b.N) / feedTime.Seconds()
			staticRate := float64(b.N) / staticTime.Seconds()
			b.ReportMetric(feedRate, "req/s")
			b.ReportMetric(staticRate, "static_req/s")
			b.ReportMetric(feedRate/staticRate, "x_static")
		})
	}
}
