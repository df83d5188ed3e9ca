package ops

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"smsinbox/web"
	"smsinbox/web/live"
)

// TestOnTheSite mounts metrics, health and rate limits on the real site.
func TestOnTheSite(t *testing.T) {
	st := openStore(t, nil)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := live.New(st, time.Second, log)
	m := NewMetrics(prometheus.NewRegistry(), st, hub)
	clk := newClock()
	site := web.New(st, hub, web.Config{
		Logger: log,
		Mount:  []func(*echo.Echo){m.Register},
		Middleware: []echo.MiddlewareFunc{
			m.Middleware(),
			RateLimit(RateLimitConfig{PerSecond: 1, Burst: 3, Now: clk.Now}),
		},
	})
	srv := httptest.NewServer(site)
	defer srv.Close()
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, p := range []string{"/rules", "/number/447400999999", "/robots.txt"} {
		if resp, _ := get(p); resp.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("%s limited within the burst", p)
		}
	}
	resp, body := get("/api/v1/messages")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" || !strings.Contains(body, `"code":"rate_limited"`) {
		t.Errorf("an API request over the limit: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	resp, body = get("/rules")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("a page over the limit: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, _ := get(p); resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	resp, body = get("/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`smsinbox_http_requests_total{method="GET",route="/rules",status="200"} 1`,
		`smsinbox_http_requests_total{method="GET",route="/rules",status="429"} 1`,
		`smsinbox_http_requests_total{method="GET",route="/number/:digits",status="404"} 1`,
		`smsinbox_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s in\n%s", want, grepLines(body, "smsinbox_http_requests_total"))
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
