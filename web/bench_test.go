package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"smsinbox/store"
	"smsinbox/web/live"
)

// envInt reads a positive integer from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// fillBench stores count synthetic messages over a dozen numbers in six
// countries, from senders whose traffic is skewed as real traffic is.
func fillBench(b *testing.B, st *store.Store, count int) {
	ctx := context.Background()
	numbers := []string{"+447400100001", "+447400100002", "+447400100003", "+4915112300001", "+4915112300002",
		"+33612300001", "+33612300002", "+12025550101", "+12025550102", "+34612300001", "+31612300001", "+46701230001"}
	for _, n := range numbers {
		if _, err := st.AddNumber(ctx, "bench", n, ""); err != nil {
			b.Fatal(err)
		}
	}
	names := []string{"WhatsApp", "Google", "Telegram", "Amazon", "Uber", "Microsoft", "Apple", "Facebook", "TikTok", "PayPal"}
	var senders []string
	for i := 0; i < 400; i++ {
		if i < len(names) {
			senders = append(senders, names[i])
		} else if i%2 == 0 {
			senders = append(senders, fmt.Sprintf("Service%d", i))
		} else {
			senders = append(senders, strconv.Itoa(10000+i*7))
		}
	}
	forms := []string{
		"Your %s code: %06d. Don't share this code with anyone.",
		"%[2]d is your %[1]s verification code.",
		"%s: use %04[2]d to sign in. It expires in 10 minutes.",
		"[%s] Your one-time password is %06[2]d. Visit https://example.com/help if this wasn't you.",
	}
	r := rand.New(rand.NewSource(1))
	zipf := rand.NewZipf(r, 1.2, 2, uint64(len(senders)-1))
	start := time.Now().Add(-30 * 24 * time.Hour)
	step := 30 * 24 * time.Hour / time.Duration(count)
	batch := make([]store.Inbound, 0, 1000)
	for i := 0; i < count; i++ {
		s := senders[zipf.Uint64()]
		at := start.Add(time.Duration(i) * step)
		batch = append(batch, store.Inbound{
			To:         numbers[r.Intn(len(numbers))],
			From:       s,
			Body:       fmt.Sprintf(forms[r.Intn(len(forms))], s, r.Intn(1000000)),
			ReceivedAt: at,
			SentAt:     at.Add(-time.Duration(r.Intn(8000)) * time.Millisecond),
			Source:     "bench",
			SourceID:   strconv.Itoa(i),
		})
		if len(batch) == cap(batch) || i == count-1 {
			if _, err := st.InsertBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// loadResult is what one load run measured.
type loadResult struct {
	rps float64
	p99 time.Duration
}

// load sends total GET requests to url over conc connections at once.
func load(b *testing.B, client *http.Client, url string, total, conc int) loadResult {
	var next atomic.Int64
	lat := make([][]time.Duration, conc)
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for next.Add(1) <= int64(total) {
				t0 := time.Now()
				res, err := client.Get(url)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					failed.Store(url + ": " + res.Status)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return loadResult{rps: float64(len(all)) / elapsed.Seconds(), p99: all[(len(all)*99)/100]}
}

// BenchmarkPages measures pages under 64 concurrent connections against
// the same bytes served as a static file by the same server. Each
// iteration sends SMSINBOX_BENCH_REQUESTS requests (default 3000) of each;
// the database holds SMSINBOX_BENCH_MESSAGES messages (default 100000).
func BenchmarkPages(b *testing.B) {
	count := envInt("SMSINBOX_BENCH_MESSAGES", 100000)
	requests := envInt("SMSINBOX_BENCH_REQUESTS", 3000)
	const conc = 64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	t0 := time.Now()
	fillBench(b, st, count)
	b.Logf("stored %d messages in %v", count, time.Since(t0).Round(time.Millisecond))

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := live.New(st, 0, log)
	go hub.Run(ctx)
	var copies sync.Map // name -> static copy of a page
	type copyOf struct {
		ctype string
		body  []byte
	}
	srv := New(st, hub, Config{PublicURL: "http://bench.example", Logger: log, Mount: []func(*echo.Echo){func(e *echo.Echo) {
		e.GET("/bench/static/:name", func(c echo.Context) error {
			v, ok := copies.Load(c.Param("name"))
			if !ok {
				return echo.ErrNotFound
			}
			cp := v.(copyOf)
			c.Response().Header().Set("Cache-Control", staticCache)
			return c.Blob(http.StatusOK, cp.ctype, cp.body)
		})
	}}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2, MaxConnsPerHost: conc}, Timeout: 30 * time.Second}

	busiest, err := st.Senders(ctx, store.SenderFilter{Sort: "messages", Limit: 1})
	if err != nil || len(busiest) == 0 {
		b.Fatalf("no senders: %v", err)
	}
	pages := []struct{ name, path string }{
		{"home", "/"},
		{"number", "/number/447400100001"},
		{"sender", "/sender/" + busiest[0].Key},
		{"country", "/country/gb"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			res, err := client.Get(base + p.path)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Fatalf("%s: %s", p.path, res.Status)
			}
			copies.Store(p.name, copyOf{ctype: res.Header.Get("Content-Type"), body: body})
			var page, static loadResult
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				pr := load(b, client, base+p.path, requests, conc)
				sr := load(b, client, base+"/bench/static/"+p.name, requests, conc)
				page.rps += pr.rps / float64(b.N)
				static.rps += sr.rps / float64(b.N)
				page.p99 = max(page.p99, pr.p99)
				static.p99 = max(static.p99, sr.p99)
			}
			b.StopTimer()
			b.ReportMetric(page.rps, "page-req/s")
			b.ReportMetric(float64(page.p99.Microseconds())/1000, "page-p99-ms")
			b.ReportMetric(static.rps, "static-req/s")
			b.ReportMetric(float64(static.p99.Microseconds())/1000, "static-p99-ms")
			b.ReportMetric(page.rps/static.rps, "page/static")
			b.ReportMetric(float64(len(body)), "page-bytes")
		})
	}
}
