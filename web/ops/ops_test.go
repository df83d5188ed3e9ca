package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"smsinbox/store"
	"smsinbox/web/live"
)

// clock is a fake clock that tests move by hand; it counts how often it is
// read.
type clock struct {
	mu    sync.Mutex
	t     time.Time
	reads int
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *clock) Reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

func openStore(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// errorHandler answers errors as the site's central handler does: the
// store's kinds and echo's errors with their status.
func errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		c.JSON(he.Code, map[string]any{"error": map[string]any{"code": "error", "message": he.Message}})
		return
	}
	status := map[store.Kind]int{store.KindInvalid: 400, store.KindNotFound: 404, store.KindGone: 410, store.KindConflict: 409, store.KindInternal: 500}[store.KindOf(err)]
	c.JSON(status, map[string]any{"error": map[string]any{"code": store.KindOf(err), "message": store.MessageOf(err)}})
}

func do(t *testing.T, h http.Handler, method, path string, mod func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if mod != nil {
		mod(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestMetrics(t *testing.T) {
	st := openStore(t, nil)
	ctx := context.Background()
	if _, err := st.AddNumber(ctx, "test", "+447400123456", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Insert(ctx, store.Inbound{To: "+447400123456", From: "X", Body: "before the metrics", Source: "import"}); err != nil {
		t.Fatal(err)
	}
	hub := live.New(st, time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, st, hub)
	e := echo.New()
	e.HTTPErrorHandler = errorHandler
	e.Use(m.Middleware())
	m.Register(e)
	e.GET("/number/:digits", func(c echo.Context) error {
		if c.Param("digits") == "0" {
			return store.Errorf(store.KindNotFound, "there is no number")
		}
		return c.String(200, "ok")
	})
	for _, p := range []string{"/number/447400123456", "/number/447400123457", "/number/0", "/nowhere/at/all"} {
		do(t, e, "GET", p, nil)
	}
	_, cancel := hub.Subscribe(nil)
	defer cancel()
	m.observeIngest("twilio", store.Result{ID: 1, Published: true}, nil)
	m.observeIngest("twilio", store.Result{ID: 1, Duplicate: true, Published: true}, nil)
	m.observeIngest("import", store.Result{}, store.Errorf(store.KindInvalid, "no sender"))
	for i, src := range []string{"import", "modem:/dev/ttyUSB0", "import"} {
		if _, err := st.Insert(ctx, store.Inbound{To: "+447400123456", From: "X", Body: fmt.Sprint("hi ", i), Source: src}); err != nil {
			t.Fatal(err)
		}
	}
	// A second Metrics on the same registry counts into the same series.
	NewMetrics(reg, st, hub).observeIngest("twilio", store.Result{ID: 2, Published: true}, nil)

	rec := do(t, e, "GET", "/metrics", nil)
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`smsinbox_http_requests_total{method="GET",route="/number/:digits",status="200"} 2`,
		`smsinbox_http_requests_total{method="GET",route="/number/:digits",status="404"} 1`,
		`smsinbox_http_request_duration_seconds_count{route="/number/:digits"} 3`,
		`smsinbox_live_subscribers 1`,
		`smsinbox_messages_ingested_total{outcome="stored",source="twilio"} 2`,
		`smsinbox_messages_stored_total{source="import"} 2`,
		`smsinbox_messages_stored_total{source="modem:/dev/ttyUSB0"} 1`,
		`smsinbox_messages_ingested_total{outcome="duplicate",source="twilio"} 1`,
		`smsinbox_messages_ingested_total{outcome="refused",source="import"} 1`,
		// Inserts through the store are observed by themselves.
		`smsinbox_messages_ingested_total{outcome="stored",source="import"} 2`,
		`smsinbox_messages_ingested_total{outcome="stored",source="modem:/dev/ttyUSB0"} 1`,
		`smsinbox_ingest_commit_seconds_count{source="import"} 2`,
		`smsinbox_messages_last_id 4`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "447400123456") || strings.Contains(body, "/nowhere") {
		t.Error("/metrics has a series per path")
	}
	if !strings.Contains(body, "smsinbox_database_bytes ") || strings.Contains(body, "smsinbox_database_bytes 0\n") {
		t.Error("smsinbox_database_bytes is missing or 0")
	}
}

func TestHealth(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics(nil, st, nil)
	e := echo.New()
	m.Register(e)
	if rec := do(t, e, "GET", "/healthz", nil); rec.Code != 200 {
		t.Errorf("/healthz: %d", rec.Code)
	}
	rec := do(t, e, "GET", "/readyz", nil)
	var r struct {
		Status string
		Schema int
	}
	json.Unmarshal(rec.Body.Bytes(), &r)
	if rec.Code != 200 || r.Status != "ok" || r.Schema < 1 {
		t.Errorf("/readyz: %d %s", rec.Code, rec.Body)
	}
	st.Close()
	if rec := do(t, e, "GET", "/readyz", nil); rec.Code != 503 {
		t.Errorf("/readyz with the database closed: %d, want 503", rec.Code)
	}
	if rec := do(t, e, "GET", "/healthz", nil); rec.Code != 200 {
		t.Errorf("/healthz with the database closed: %d, want 200", rec.Code)
	}
}

func TestRateLimit(t *testing.T) {
	clk := newClock()
	e := echo.New()
	e.HTTPErrorHandler = errorHandler
	e.Use(RateLimit(RateLimitConfig{
		PerSecond:      1,
		Burst:          2,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		ProxyHeader:    "X-Forwarded-For",
		Now:            clk.Now,
	}))
	ok := func(c echo.Context) error { return c.String(200, "ok") }
	e.GET("/", ok)
	e.GET("/healthz", ok)
	e.POST("/ingest/:provider", ok)
	from := func(peer, xff string) func(*http.Request) {
		return func(r *http.Request) {
			r.RemoteAddr = peer
			if xff != "" {
				r.Header.Set("X-Forwarded-For", xff)
			}
		}
	}
	get := func(mod func(*http.Request)) *httptest.ResponseRecorder { return do(t, e, "GET", "/", mod) }
	a := from("192.0.2.1:5000", "")
	for i := 0; i < 2; i++ {
		if rec := get(a); rec.Code != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, rec.Code)
		}
	}
	rec := get(a)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("over the limit: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := get(from("192.0.2.2:5000", "")); rec.Code != 200 {
		t.Errorf("another client is limited too: %d", rec.Code)
	}
	for _, p := range []string{"/healthz"} {
		if rec := do(t, e, "GET", p, a); rec.Code != 200 {
			t.Errorf("%s is limited: %d", p, rec.Code)
		}
	}
	if rec := do(t, e, "POST", "/ingest/twilio", a); rec.Code != 200 {
		t.Errorf("webhooks are limited: %d", rec.Code)
	}
	clk.Add(time.Second)
	if rec := get(a); rec.Code != 200 {
		t.Errorf("a second later: %d", rec.Code)
	}

	// Behind a trusted proxy each forwarded client has its own bucket; an
	// untrusted peer cannot pick its bucket with the header.
	for i := 0; i < 2; i++ {
		get(from("10.1.1.1:80", "198.51.100.7"))
	}
	if rec := get(from("10.1.1.1:80", "198.51.100.7")); rec.Code != 429 {
		t.Errorf("a forwarded client over its limit: %d", rec.Code)
	}
	if rec := get(from("10.1.1.1:80", "198.51.100.8, 10.2.2.2")); rec.Code != 200 {
		t.Errorf("another forwarded client: %d", rec.Code)
	}
	for i := 0; i < 2; i++ {
		get(from("203.0.113.9:80", fmt.Sprintf("198.51.100.%d", 20+i)))
	}
	if rec := get(from("203.0.113.9:80", "198.51.100.99")); rec.Code != 429 {
		t.Errorf("an untrusted peer escaped its limit with X-Forwarded-For: %d", rec.Code)
	}
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct{ peer, xff, want string }{
		{"192.0.2.1:1", "", "192.0.2.1"},
		{"192.0.2.1:1", "198.51.100.1", "192.0.2.1"},
		{"10.0.0.1:1", "198.51.100.1", "198.51.100.1"},
		{"10.0.0.1:1", "1.1.1.1, 198.51.100.1, 10.0.0.2", "198.51.100.1"},
		{"10.0.0.1:1", "garbage", "10.0.0.1"},
		{"10.0.0.1:1", "", "10.0.0.1"},
		{"[::1]:1", "2001:db8::1", "2001:db8::1"},
		{"[::ffff:192.0.2.5]:1", "", "192.0.2.5"},
		// Every hop is a trusted proxy: the first one is the client.
		{"10.0.0.1:1", "10.9.9.9, 10.0.0.2", "10.9.9.9"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := ClientAddr(r, trusted, "X-Forwarded-For").String(); got != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
}

func TestRateLimitCountsIPv6ByNetwork(t *testing.T) {
	e := echo.New()
	e.HTTPErrorHandler = errorHandler
	e.Use(RateLimit(RateLimitConfig{PerSecond: 1, Burst: 2, Now: newClock().Now}))
	e.GET("/", func(c echo.Context) error { return c.String(200, "ok") })
	from := func(peer string) func(*http.Request) {
		return func(r *http.Request) { r.RemoteAddr = peer }
	}
	// Three addresses of one /64 share one bucket of two.
	for i, peer := range []string{"[2001:db8:1:2::1]:1", "[2001:db8:1:2::2]:1", "[2001:db8:1:2:ffff::3]:1"} {
		rec := do(t, e, "GET", "/", from(peer))
		if want := map[bool]int{true: 200, false: 429}[i < 2]; rec.Code != want {
			t.Errorf("request %d from %s: %d, want %d", i+1, peer, rec.Code, want)
		}
	}
	if rec := do(t, e, "GET", "/", from("[2001:db8:1:3::1]:1")); rec.Code != 200 {
		t.Errorf("another /64 is limited too: %d", rec.Code)
	}
}

func TestSourceLabelIsValidUTF8(t *testing.T) {
	st := openStore(t, nil)
	ctx := context.Background()
	if _, err := st.AddNumber(ctx, "test", "+447400123456", ""); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, st, nil)
	long := "a" + strings.Repeat("é", 30) // a cut at 48 bytes ends inside a character unless it is careful
	for _, src := range []string{long, "bad\xff\xfesource"} {
		if _, err := st.Insert(ctx, store.Inbound{To: "+447400123456", From: "X", Body: "hi " + src, Source: src}); err != nil {
			t.Fatal(err)
		}
		m.observeIngest(src, store.Result{ID: 1, Published: true}, nil)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gathering the metrics failed: %v", err)
	}
	seen := 0
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if lp.GetName() != "source" {
					continue
				}
				seen++
				if !utf8.ValidString(lp.GetValue()) || len(lp.GetValue()) > 48 {
					t.Errorf("%s has the source label %q", mf.GetName(), lp.GetValue())
				}
			}
		}
	}
	if seen < 2 {
		t.Errorf("%d source labels, want at least the two ingested", seen)
	}
}

func TestRateLimitForgetsIdleClients(t *testing.T) {
	clk := newClock()
	l := newLimiter(RateLimitConfig{PerSecond: 10, Burst: 10, Now: clk.Now, MaxClients: 1000})
	for i := 0; i < 5000; i++ {
		l.allow(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
		if i%100 == 0 {
			clk.Add(time.Second)
		}
	}
	if n := l.tracked(); n > 1000 {
		t.Errorf("%d clients tracked, more than the 1000 allowed", n)
	}
	clk.Add(2 * time.Minute)
	l.allow(netip.MustParseAddr("192.0.2.1"))
	if n := l.tracked(); n != 1 {
		t.Errorf("after every client idled: %d tracked, want 1", n)
	}
}

func TestRequestLogger(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	e := echo.New()
	e.HTTPErrorHandler = errorHandler
	e.Use(RequestLogger(log))
	e.POST("/ingest/:provider", func(c echo.Context) error {
		io.ReadAll(c.Request().Body)
		return store.Errorf(store.KindInvalid, "bad")
	})
	req := httptest.NewRequest("POST", "/ingest/json?token=s3cret", strings.NewReader(`{"body":"Your code 123456"}`))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != 400 {
		t.Errorf("status %d", rec.Code)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1: %s", len(lines), buf.String())
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
		t.Fatal(err)
	}
	if entry["route"] != "/ingest/:provider" || entry["status"] != float64(400) || entry["duration"] == nil || entry["method"] != "POST" {
		t.Errorf("log line %s", lines[0])
	}
	if strings.Contains(lines[0], "s3cret") || strings.Contains(lines[0], "123456") {
		t.Errorf("the log line holds the query or the body: %s", lines[0])
	}
}

func TestBodyLimit(t *testing.T) {
	e := echo.New()
	e.Use(BodyLimit(10))
	e.POST("/", func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.String(200, string(b))
	})
	if rec := do(t, e, "POST", "/", func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader("short")); r.ContentLength = 5 }); rec.Code != 200 {
		t.Errorf("a small body: %d", rec.Code)
	}
	if rec := do(t, e, "POST", "/", func(r *http.Request) {
		r.Body = io.NopCloser(strings.NewReader(strings.Repeat("x", 100)))
		r.ContentLength = 100
	}); rec.Code != 413 {
		t.Errorf("a large body: %d, want 413", rec.Code)
	}
}
