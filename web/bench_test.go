package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smsinbox/store"
	"smsinbox/store/demo"
)

// envInt reads a positive integer from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// The shape of the generated databases: the demo generator's skew over
// 1,000 numbers and 50,000 senders.
const (
	benchNumbers = 1000
	benchSenders = 50000
)

// buildBinary builds the smsinbox command into a temporary folder.
func buildBinary(b *testing.B) string {
	b.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		b.Fatalf("cannot find the module: %v", err)
	}
	root := filepath.Dir(string(bytes.TrimSpace(out)))
	bin := filepath.Join(b.TempDir(), "smsinbox")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/smsinbox")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build ./cmd/smsinbox: %v\n%s", err, out)
	}
	return bin
}

// benchDB is a database of count demo messages, generated once with the
// binary and kept in the temporary folder for later runs (a million
// messages take minutes). A marker file tells a finished database from
// one whose generation was interrupted.
func benchDB(b *testing.B, bin string, count int) string {
	b.Helper()
	db := filepath.Join(os.TempDir(), fmt.Sprintf("smsinbox-bench-r%d-m%d-n%d-s%d.db", demo.Revision, count, benchNumbers, benchSenders))
	done := db + ".done"
	if _, err := os.Stat(done); err == nil {
		return db
	}
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		os.Remove(f)
	}
	t0 := time.Now()
	out, err := exec.Command(bin, "demo", "--db", db, "--messages", strconv.Itoa(count),
		"--numbers", strconv.Itoa(benchNumbers), "--senders", strconv.Itoa(benchSenders)).CombinedOutput()
	if err != nil {
		b.Fatalf("smsinbox demo: %v\n%s", err, out)
	}
	if err := os.WriteFile(done, out, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %s in %v: %s", db, time.Since(t0).Round(time.Second), bytes.TrimSpace(out))
	return db
}

// benchServer is a running `smsinbox serve`.
type benchServer struct {
	cmd  *exec.Cmd
	base string
	mu   sync.Mutex
	tail []string // the last lines it wrote
}

// startServer runs the binary over db with the benchmark static folder
// mounted, and waits until it listens.
func startServer(b *testing.B, bin, db, staticDir string) *benchServer {
	b.Helper()
	cmd := exec.Command(bin, "serve", "--db", db, "--addr", "127.0.0.1:0", "--demo=false", "--rate-limit", "0", "--retention", "0")
	cmd.Env = append(os.Environ(), "SMSINBOX_BENCH_STATIC_DIR="+staticDir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &benchServer{cmd: cmd}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if a := listeningAddr(line); a != "" {
				addr <- a
			}
			s.mu.Lock()
			if len(s.tail) == 20 {
				s.tail = s.tail[1:]
			}
			s.tail = append(s.tail, line)
			s.mu.Unlock()
		}
	}()
	select {
	case a := <-addr:
		s.base = "http://" + a
	case <-time.After(2 * time.Minute):
		b.Fatalf("smsinbox serve did not start listening:\n%s", s.lastLines())
	}
	return s
}

// listeningAddr finds the address in serve's "listening" log line, in
// either log format.
func listeningAddr(line string) string {
	var j struct{ Msg, Addr string }
	if json.Unmarshal([]byte(line), &j) == nil && j.Msg == "listening" {
		return j.Addr
	}
	if strings.Contains(line, "msg=listening") {
		for _, f := range strings.Fields(line) {
			if a, ok := strings.CutPrefix(f, "addr="); ok {
				return a
			}
		}
	}
	return ""
}

func (s *benchServer) lastLines() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

// memory reads the server's resident memory now and at its peak, in MB.
func (s *benchServer) memory() (rss, peak float64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// benchClient asks for gzip, as browsers do, and keeps the body as sent.
func benchClient(conc int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{DisableCompression: true, MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2, MaxConnsPerHost: conc},
		Timeout:   60 * time.Second,
	}
}

// fetch gets a URL once with or without gzip, failing on any status but 200.
func fetch(b *testing.B, client *http.Client, u string, gz bool) (*http.Response, []byte) {
	b.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %s %v", u, res.Status, err)
	}
	return res, body
}

// getJSON decodes an API answer.
func getJSON(b *testing.B, client *http.Client, u string, v any) {
	b.Helper()
	_, body := fetch(b, client, u, false)
	if err := json.Unmarshal(body, v); err != nil {
		b.Fatalf("GET %s: %v", u, err)
	}
}

// loadResult is what load runs measured.
type loadResult struct {
	lat      []time.Duration // every request's latency
	elapsed  time.Duration
	bytes    int64 // body bytes of the last answer, as sent
	encoding string
}

func (r *loadResult) add(o loadResult) {
	r.lat = append(r.lat, o.lat...)
	r.elapsed += o.elapsed
	r.bytes, r.encoding = o.bytes, o.encoding
}

func (r *loadResult) rps() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

// pct is the latency at or under which a share q of the requests finished.
func (r *loadResult) pct(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	l := slices.Clone(r.lat)
	slices.Sort(l)
	return l[min(len(l)-1, int(float64(len(l))*q))]
}

// load sends total GET requests to u over conc connections at once,
// accepting gzip, and checks every answer is 200.
func load(b *testing.B, client *http.Client, u string, total, conc int) loadResult {
	b.Helper()
	var next atomic.Int64
	lat := make([][]time.Duration, conc)
	var wg sync.WaitGroup
	var failed atomic.Value
	var size atomic.Int64
	var enc atomic.Value
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			for next.Add(1) <= int64(total) {
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				n, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat[w] = append(lat[w], time.Since(t0))
				if res.StatusCode != http.StatusOK {
					failed.Store(u + ": " + res.Status)
					return
				}
				enc.Store(res.Header.Get("Content-Encoding"))
				size.Store(n)
			}
		}(w)
	}
	wg.Wait()
	r := loadResult{elapsed: time.Since(start), bytes: size.Load()}
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	for _, l := range lat {
		r.lat = append(r.lat, l...)
	}
	r.encoding, _ = enc.Load().(string)
	return r
}

// compare loads a page and its static copy in alternating rounds, so that
// other work on the machine weighs on both alike.
func compare(b *testing.B, client *http.Client, pageURL, staticURL string, total, conc int) (page, static loadResult) {
	const rounds = 5
	for i := 0; i < rounds; i++ {
		page.add(load(b, client, pageURL, total/rounds, conc))
		static.add(load(b, client, staticURL, total/rounds, conc))
	}
	return page, static
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchPages picks the pages to measure from the API: the most recently
// active number and its country, and the busiest sender.
func benchPages(b *testing.B, client *http.Client, base string) []struct{ name, path string } {
	var nums struct {
		Items []struct {
			Digits  string `json:"digits"`
			Country string `json:"country"`
		} `json:"items"`
	}
	getJSON(b, client, base+"/api/v1/numbers?status=active", &nums)
	if len(nums.Items) == 0 {
		b.Fatal("the database has no active numbers")
	}
	var busiest struct {
		Items []struct {
			Key string `json:"key"`
		} `json:"items"`
	}
	getJSON(b, client, base+"/api/v1/senders?sort=messages&limit=1", &busiest)
	if len(busiest.Items) == 0 {
		b.Fatal("the database has no senders")
	}
	n := nums.Items[0]
	return []struct{ name, path string }{
		{"home", "/"},
		{"number", "/number/" + n.Digits},
		{"sender", "/sender/" + url.PathEscape(busiest.Items[0].Key)},
		{"country", "/country/" + strings.ToLower(n.Country)},
	}
}

// BenchmarkPages runs the real binary over a generated database of
// SMSINBOX_BENCH_MESSAGES messages (default 100,000; 1,000 numbers, 50,000
// senders) and measures the home, number, sender and country pages under
// 64 concurrent connections over loopback against the same bytes served
// as a static file by the same server (SMSINBOX_BENCH_STATIC_DIR, see
// docs/performance.md). Each iteration sends SMSINBOX_BENCH_REQUESTS
// requests (default 5000) to each. Goal at 1,000,000 messages: page/static
// at least 0.5 for every page, and the server's resident memory below
// 150 MB.
func BenchmarkPages(b *testing.B) {
	count := envInt("SMSINBOX_BENCH_MESSAGES", 100000)
	requests := envInt("SMSINBOX_BENCH_REQUESTS", 5000)
	const conc = 64
	bin := buildBinary(b)
	db := benchDB(b, bin, count)
	staticDir := b.TempDir()
	srv := startServer(b, bin, db, staticDir)
	client := benchClient(conc)
	pages := benchPages(b, client, srv.base)

	type row struct {
		name         string
		page, static loadResult
	}
	var rows []row
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			// The static copy holds the very bytes the page answers with,
			// compressed as sent and plain.
			res, gz := fetch(b, client, srv.base+p.path, true)
			if res.Header.Get("Content-Encoding") == "gzip" {
				if err := os.WriteFile(filepath.Join(staticDir, p.name+".html.gz"), gz, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			_, plain := fetch(b, client, srv.base+p.path, false)
			if err := os.WriteFile(filepath.Join(staticDir, p.name+".html"), plain, 0o644); err != nil {
				b.Fatal(err)
			}
			if res.Header.Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(gz))
				if err != nil {
					b.Fatal(err)
				}
				if unz, err := io.ReadAll(zr); err != nil || !bytes.Equal(unz, plain) {
					b.Fatalf("%s: the gzip answer does not hold the plain one (%v)", p.path, err)
				}
			}
			staticURL := srv.base + "/bench-static/" + p.name + ".html"
			load(b, client, srv.base+p.path, 200, conc) // warm connections and caches
			load(b, client, staticURL, 200, conc)
			var r row
			r.name = p.name
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				pr, sr := compare(b, client, srv.base+p.path, staticURL, requests, conc)
				r.page.add(pr)
				r.static.add(sr)
			}
			b.StopTimer()
			// A page may be rendered again while it is measured, with
			// other relative times ("5 minutes ago"); its size barely moves.
			if diff := r.page.bytes - r.static.bytes; diff*50 > r.static.bytes || -diff*50 > r.static.bytes || r.page.encoding != r.static.encoding {
				b.Fatalf("%s: the page sends %d bytes (%q) and its static copy %d (%q)", p.path, r.page.bytes, r.page.encoding, r.static.bytes, r.static.encoding)
			}
			_, peak := srv.memory()
			b.ReportMetric(r.page.rps(), "page-req/s")
			b.ReportMetric(ms(r.page.pct(0.99)), "page-p99-ms")
			b.ReportMetric(r.static.rps(), "static-req/s")
			b.ReportMetric(ms(r.static.pct(0.99)), "static-p99-ms")
			b.ReportMetric(r.page.rps()/r.static.rps(), "page/static")
			b.ReportMetric(float64(len(plain)), "page-bytes")
			b.ReportMetric(float64(r.page.bytes), "sent-bytes")
			b.ReportMetric(peak, "server-peak-MB")
			rows = append(rows, r)
		})
	}
	// The summary is a benchmark of its own: a parent benchmark's log is
	// printed only with -v.
	b.Run("summary", func(b *testing.B) {
		rss, peak := srv.memory()
		worst := 0.0
		var t strings.Builder
		fmt.Fprintf(&t, "%d messages, %d connections, %d requests each, gzip accepted:\n", count, conc, requests)
		fmt.Fprintf(&t, "%-8s %10s %9s %10s %9s %8s %9s\n", "page", "page r/s", "p99 ms", "static r/s", "p99 ms", "ratio", "sent B")
		for i, r := range rows {
			ratio := r.page.rps() / r.static.rps()
			if i == 0 || ratio < worst {
				worst = ratio
			}
			fmt.Fprintf(&t, "%-8s %10.0f %9.2f %10.0f %9.2f %8.2f %9d\n", r.name, r.page.rps(), ms(r.page.pct(0.99)), r.static.rps(), ms(r.static.pct(0.99)), ratio, r.page.bytes)
		}
		fmt.Fprintf(&t, "server resident memory: %.1f MB now, %.1f MB at peak (goal: ratio at least 0.5, memory below 150 MB)", rss, peak)
		b.Log(t.String())
		b.ReportMetric(worst, "worst-page/static")
		b.ReportMetric(peak, "server-peak-MB")
		b.ReportMetric(0, "ns/op")
	})
}

// benchSite opens the generated database of SMSINBOX_BENCH_MESSAGES
// messages (default 100,000) in this process and builds the site over it
// without its page cache, so that every request reads and renders.
func benchSite(b *testing.B) (*Server, *store.Store, int) {
	b.Helper()
	count := envInt("SMSINBOX_BENCH_MESSAGES", 100000)
	db := benchDB(b, buildBinary(b), count)
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return New(st, nil, Config{PublicURL: "http://bench.example", Logger: log, PageCacheBytes: -1}), st, count
}

// timeRequests answers n GET requests for path one after another, as a
// browser asks (gzip accepted), and gives their latencies.
func timeRequests(b *testing.B, srv *Server, path string, n int) loadResult {
	b.Helper()
	var r loadResult
	start := time.Now()
	for i := 0; i < n; i++ {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		t0 := time.Now()
		srv.ServeHTTP(rec, req)
		r.lat = append(r.lat, time.Since(t0))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", path, rec.Code)
		}
		r.bytes = int64(rec.Body.Len())
	}
	r.elapsed = time.Since(start)
	return r
}

// BenchmarkSenderFormats measures the sender page, with its message
// formats, code lengths and delays, for the busiest sender against one of
// about 100 messages, rendered anew for every request (no page cache).
// Goal at 1,000,000 messages: the busiest within 1.5x of the small one.
// SMSINBOX_BENCH_REQUESTS/10 requests (default 500) each.
func BenchmarkSenderFormats(b *testing.B) {
	srv, st, count := benchSite(b)
	ctx := context.Background()
	n := envInt("SMSINBOX_BENCH_REQUESTS", 5000) / 10
	busiest, err := st.Senders(ctx, store.SenderFilter{Sort: "messages", Limit: 1})
	if err != nil || len(busiest) == 0 {
		b.Fatalf("no senders: %v", err)
	}
	// The sender closest to 100 messages, walking down from the busiest.
	var small store.Sender
	f := store.SenderFilter{Sort: "messages", Limit: store.MaxLimit}
	for small.Key == "" {
		list, err := st.Senders(ctx, f)
		if err != nil || len(list) == 0 {
			b.Fatalf("no sender of about 100 messages: %v", err)
		}
		for i, sd := range list {
			if sd.Messages <= 100 {
				small = sd
				if i > 0 && list[i-1].Messages-100 < 100-sd.Messages {
					small = list[i-1]
				}
				break
			}
		}
		f.After = &list[len(list)-1]
	}
	var big, little loadResult
	for i := 0; i < b.N; i++ {
		timeRequests(b, srv, "/sender/"+url.PathEscape(small.Key), 20) // warm
		for round := 0; round < 5; round++ {
			big.add(timeRequests(b, srv, "/sender/"+url.PathEscape(busiest[0].Key), n/5))
			little.add(timeRequests(b, srv, "/sender/"+url.PathEscape(small.Key), n/5))
		}
	}
	b.ReportMetric(ms(big.pct(0.5)), "busiest-p50-ms")
	b.ReportMetric(ms(big.pct(0.99)), "busiest-p99-ms")
	b.ReportMetric(ms(little.pct(0.5)), "small-p50-ms")
	b.ReportMetric(ms(little.pct(0.99)), "small-p99-ms")
	b.ReportMetric(float64(big.pct(0.5))/float64(little.pct(0.5)), "busiest/small-p50")
	b.ReportMetric(float64(big.pct(0.99))/float64(little.pct(0.99)), "busiest/small-p99")
	b.Logf("%d messages: sender %s (%d messages) p50 %.2f ms p99 %.2f ms; sender %s (%d messages) p50 %.2f ms p99 %.2f ms; ratio p50 %.2f, p99 %.2f (goal within 1.5)",
		count, busiest[0].Key, busiest[0].Messages, ms(big.pct(0.5)), ms(big.pct(0.99)),
		small.Key, small.Messages, ms(little.pct(0.5)), ms(little.pct(0.99)),
		float64(big.pct(0.5))/float64(little.pct(0.5)), float64(big.pct(0.99))/float64(little.pct(0.99)))
}

// BenchmarkSearch measures the search page for common, rare, missing and
// prefix words, SMSINBOX_BENCH_REQUESTS/50 requests (default 100) each.
func BenchmarkSearch(b *testing.B) {
	srv, _, count := benchSite(b)
	n := envInt("SMSINBOX_BENCH_REQUESTS", 5000) / 50
	queries := []string{"code", "verification code", "whatsapp", "password", "login", "amaz*", "never share", "zzqxj"}
	var all loadResult
	var t strings.Builder
	for i := 0; i < b.N; i++ {
		for _, q := range queries {
			r := timeRequests(b, srv, "/search?q="+url.QueryEscape(q), n)
			all.add(r)
			fmt.Fprintf(&t, "\n  %-18q p50 %6.2f ms  p99 %6.2f ms", q, ms(r.pct(0.5)), ms(r.pct(0.99)))
		}
	}
	b.ReportMetric(ms(all.pct(0.5)), "p50-ms")
	b.ReportMetric(ms(all.pct(0.99)), "p99-ms")
	b.Logf("%d messages, the search page, %d requests a query:%s\n  all: p50 %.2f ms, p99 %.2f ms", count, n, t.String(), ms(all.pct(0.5)), ms(all.pct(0.99)))
}
