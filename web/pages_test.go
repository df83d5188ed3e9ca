package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"golang.org/x/net/html"

	"smsinbox/store"
)

func TestPages(t *testing.T) {
	s := newSite(t)
	s.demo()
	ctx := context.Background()
	s.addNumber("+447400111222", "old SIM")
	s.insert("+447400111222", "Lyft", "Lyft code 1111", time.Hour)
	if err := s.st.RetireNumber(ctx, "test", "+447400111222"); err != nil {
		t.Fatal(err)
	}
	// A number that was never added keeps its messages unpublished.
	if _, err := s.st.Insert(ctx, store.Inbound{To: "+447400333444", From: "Secret", Body: "pending code 9999", Source: "test"}); err != nil {
		t.Fatal(err)
	}
	hidden := s.insert("+447400123456", "Spam", "buy now 5555", time.Minute)
	if err := s.st.HideMessage(ctx, "test", hidden.ID, "spam"); err != nil {
		t.Fatal(err)
	}
	shown := s.insert("+447400123456", "Acme", "Acme code 424242", 2*time.Minute)

	_, home := s.get("/")
	for _, card := range parse(t, home).byAttr("data-testid", "number") {
		if strings.Contains(text(card), "111222") {
			t.Error("the retired number is in the grid")
		}
	}
	if got := len(parse(t, home).byAttr("data-testid", "number")); got != 4 {
		t.Errorf("the grid holds %d numbers, want 4", got)
	}

	tests := []struct {
		path     string
		status   int
		location string
		contains []string
		absent   []string
	}{
		{path: "/", status: 200, contains: []string{"+44 7400 123456", "Latest messages", `href="/rss"`, "Amazon: Your one-time password", "United Kingdom", `data-events="/events"`}, absent: []string{"pending code"}},
		{path: "/number/447400123456", status: 200, contains: []string{"Acme code", "Your WhatsApp code", `<time datetime="`, `data-copy="+447400123456"`, `href="/number/447400123456/rss"`, "Number feed", `href="/sender/whatsapp"`, "Delivered in 3.0 s", "Check for new messages", `data-events="/number/447400123456/events"`}, absent: []string{"buy now 5555", "Amazon"}},
		{path: "/number/+447400123456", status: 301, location: "/number/447400123456"},
		{path: "/number/%2B447400123456?before=5", status: 301, location: "/number/447400123456?before=5"},
		{path: "/number/447400111222", status: 410, contains: []string{"retired", "+44 7400 123456", `href="/number/447400123456"`}},
		{path: "/number/447400333444", status: 404, absent: []string{"pending code"}},
		{path: "/number/999", status: 404, contains: []string{"Page not found", `href="/rules"`}},
		{path: "/number/abc", status: 404},
		{path: "/number/447400123456?before=x", status: 400},
		{path: "/number/447400123456?before=99999999", status: 400},
		{path: "/sender/9009", status: 200, contains: []string{"SMS Messages From +9009", "2 messages", "all are shown", `href="/sender/9009/rss"`, "Sender feed", "More SMS senders", `href="/sender/whatsapp"`, "Your Uber code: ####", "Message formats", "Code lengths", "Delivery p50", "Numbers and countries reached", `href="/number/12025550143"`, `href="/country/us"`}},
		{path: "/sender/WhatsApp", status: 301, location: "/sender/whatsapp"},
		{path: "/sender/nobody", status: 404},
		{path: "/sender/spam", status: 404},
		{path: "/countries", status: 200, contains: []string{"Germany", "United Kingdom", "United States", `href="/country/gb"`}},
		{path: "/country/gb", status: 200, contains: []string{"United Kingdom phone numbers", "+44 7400 123456", "+44 7400 654321", "Country feed", `href="/country/gb/rss"`, "Acme code"}, absent: []string{"Telegram code"}},
		{path: "/country/GB", status: 301, location: "/country/gb"},
		{path: "/country/zz", status: 404},
		{path: "/country/gbr", status: 404},
		{path: "/senders", status: 200, contains: []string{"WhatsApp", "Telegram", `action="/senders"`}},
		{path: "/senders?q=wh", status: 200, contains: []string{"WhatsApp"}, absent: []string{"Telegram"}},
		{path: "/senders?q=90", status: 200, contains: []string{`href="/sender/9009"`}, absent: []string{"WhatsApp"}},
		{path: "/search?q=uber", status: 200, contains: []string{"Your Uber code: ", "2 messages", `href="/sender/9009"`, `href="/number/12025550143"`}, absent: []string{"WhatsApp code"}},
		{path: "/search?q=" + urlEscape(`"<script>* OR NEAR(`), status: 200, contains: []string{"&lt;script&gt;"}},
		{path: "/search", status: 200, contains: []string{"Find messages"}},
		{path: fmt.Sprintf("/message/%d", shown.ID), status: 200, contains: []string{"Acme code", `href="/number/447400123456"`, `href="/sender/acme"`}},
		{path: fmt.Sprintf("/message/%d", hidden.ID), status: 404},
		{path: "/message/99999999", status: 404},
		{path: "/message/x", status: 404},
		{path: "/rules", status: 200, contains: []string{"What is prohibited", "Privacy", "mailto:abuse@example.org"}},
		{path: "/rules/", status: 301, location: "/rules"},
		{path: "/nope", status: 404, contains: []string{"Page not found", `rel="stylesheet"`}},
		{path: "/robots.txt", status: 200, contains: []string{"Sitemap: " + s.url + "/sitemap.xml"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := s.get(tt.path)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body: %.300s", res.StatusCode, tt.status, body)
			}
			if tt.location != "" {
				if got := res.Header.Get("Location"); got != tt.location {
					t.Errorf("Location %q, want %q", got, tt.location)
				}
			}
			for _, want := range tt.contains {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			for _, bad := range tt.absent {
				if strings.Contains(body, bad) {
					t.Errorf("page shows %q", bad)
				}
			}
			if tt.status != 301 && strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				if !strings.Contains(body, `href="/rules"`) {
					t.Error("page has no link to the rules of use")
				}
				parse(t, body)
			}
		})
	}
}

func urlEscape(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", `"`, "%22", "<", "%3C", ">", "%3E", "*", "%2A", "(", "%28", "&", "%26", "#", "%23", "?", "%3F", "+", "%2B")
	return r.Replace(s)
}

func TestPageMeta(t *testing.T) {
	s := newSite(t)
	s.demo()
	for _, tc := range []struct {
		path, canonical string
		feeds           []string
	}{
		{"/", "/", []string{"/rss", "/atom", "/feed.json"}},
		{"/number/447400123456", "/number/447400123456", []string{"/number/447400123456/rss", "/number/447400123456/atom", "/number/447400123456/feed.json"}},
		{"/sender/9009", "/sender/9009", []string{"/sender/9009/rss", "/sender/9009/atom", "/sender/9009/feed.json"}},
		{"/country/de", "/country/de", []string{"/country/de/rss", "/country/de/atom", "/country/de/feed.json"}},
		{"/rules", "/rules", nil},
	} {
		_, body := s.get(tc.path)
		d := parse(t, body)
		var canon, desc, og string
		var feeds []string
		for _, n := range d.tag("link") {
			rel, _ := attr(n, "rel")
			href, _ := attr(n, "href")
			switch rel {
			case "canonical":
				canon = href
			case "alternate":
				feeds = append(feeds, href)
			}
		}
		for _, n := range d.tag("meta") {
			name, _ := attr(n, "name")
			prop, _ := attr(n, "property")
			content, _ := attr(n, "content")
			if name == "description" {
				desc = content
			}
			if prop == "og:title" {
				og = content
			}
		}
		if canon != s.url+tc.canonical {
			t.Errorf("%s: canonical %q, want %q", tc.path, canon, s.url+tc.canonical)
		}
		if desc == "" || og == "" {
			t.Errorf("%s: description %q, og:title %q", tc.path, desc, og)
		}
		if got, want := strings.Join(feeds, " "), strings.Join(tc.feeds, " "); got != want {
			t.Errorf("%s: feeds %q, want %q", tc.path, got, want)
		}
		if titles := d.tag("title"); len(titles) != 1 || text(titles[0]) == "" {
			t.Errorf("%s: no title", tc.path)
		}
	}
}

func TestPagination(t *testing.T) {
	s := newSite(t)
	n := s.addNumber("+447400123456", "")
	base := time.Now().Add(-10 * time.Hour)
	var ins []store.Inbound
	for i := 0; i < 120; i++ {
		// Stored out of order: the listing follows the received time.
		at := base.Add(time.Duration((i*37)%120) * time.Minute)
		ins = append(ins, store.Inbound{To: n.E164, From: "Bank", Body: fmt.Sprintf("Code %d", i), ReceivedAt: at, Source: "test", SourceID: fmt.Sprint(i)})
	}
	if _, err := s.st.InsertBatch(context.Background(), ins); err != nil {
		t.Fatal(err)
	}
	path := "/number/447400123456"
	seen := map[string]bool{}
	var lastTime string
	for pageNo := 1; path != ""; pageNo++ {
		res, body := s.get(path)
		if res.StatusCode != 200 {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		d := parse(t, body)
		ids := d.messageIDs()
		want := 50
		if pageNo == 3 {
			want = 20
		}
		if len(ids) != want {
			t.Fatalf("page %d has %d messages, want %d", pageNo, len(ids), want)
		}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("message %s shown twice", id)
			}
			seen[id] = true
		}
		for _, tm := range d.tag("time") {
			if !hasAncestorClass(tm, "msg-head") {
				continue
			}
			dt, _ := attr(tm, "datetime")
			if lastTime != "" && dt > lastTime {
				t.Fatalf("page %d: %s comes after %s: not newest first", pageNo, dt, lastTime)
			}
			lastTime = dt
		}
		older := d.byAttr("data-testid", "older")
		path = ""
		if len(older) > 0 {
			href, _ := attr(older[0], "href")
			if !strings.HasPrefix(href, "/number/447400123456?before=") {
				t.Fatalf("older link %q", href)
			}
			path = href
		}
		if pageNo > 1 && strings.Contains(body, "data-events=") {
			t.Error("an older page offers live updates")
		}
	}
	if len(seen) != 120 {
		t.Errorf("pages showed %d messages, want 120", len(seen))
	}
}

func hasAncestorClass(n *html.Node, class string) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if hasClass(p, class) {
			return true
		}
	}
	return false
}

func TestConditionalRequests(t *testing.T) {
	s := newSite(t)
	s.demo()
	ctx := context.Background()
	for _, path := range []string{"/", "/number/447400123456", "/sender/9009", "/country/gb", "/countries", "/rules"} {
		t.Run(path, func(t *testing.T) {
			res, body := s.get(path)
			etag, lastMod := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
			if res.StatusCode != 200 || etag == "" || body == "" {
				t.Fatalf("status %d, ETag %q", res.StatusCode, etag)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=15" {
				t.Errorf("Cache-Control %q", cc)
			}
			res, body = s.get(path, "If-None-Match", etag)
			if res.StatusCode != http.StatusNotModified || body != "" {
				t.Fatalf("revalidation: status %d with %d bytes, want 304 and no body", res.StatusCode, len(body))
			}
			if res.Header.Get("ETag") != etag {
				t.Errorf("304 carries ETag %q, want %q", res.Header.Get("ETag"), etag)
			}
			if lastMod != "" {
				// A date alone cannot tell a hidden message, so it never gets 304.
				if res, _ := s.get(path, "If-Modified-Since", lastMod); res.StatusCode != http.StatusOK {
					t.Errorf("If-Modified-Since: status %d, want 200", res.StatusCode)
				}
			}
			if res, _ := s.get(path, "If-None-Match", `W/"0000000000000000"`); res.StatusCode != 200 {
				t.Errorf("a stale ETag got %d, want 200", res.StatusCode)
			}
		})
	}
	// A new message and a hidden one both change the validators.
	res, _ := s.get("/number/447400123456")
	etag := res.Header.Get("ETag")
	m := s.insert("+447400123456", "+9009", "Your Uber code: 8080", 0)
	res, body := s.get("/number/447400123456", "If-None-Match", etag)
	if res.StatusCode != 200 || !strings.Contains(body, "8080") {
		t.Fatalf("after a new message: status %d, want 200 with it", res.StatusCode)
	}
	etag2 := res.Header.Get("ETag")
	if etag2 == etag {
		t.Fatal("the ETag did not change with a new message")
	}
	if err := s.st.HideMessage(ctx, "test", m.ID, "test"); err != nil {
		t.Fatal(err)
	}
	s.srv.Changed() // a direct store call: the admin area's requests tell the site themselves
	res, body = s.get("/number/447400123456", "If-None-Match", etag2)
	if res.StatusCode != 200 || strings.Contains(body, "8080") {
		t.Fatalf("after hiding: status %d, hidden shown %v", res.StatusCode, strings.Contains(body, "8080"))
	}
	res, _ = s.get("/sender/9009", "If-None-Match", etag2)
	if res.StatusCode != 200 {
		t.Errorf("another page's ETag matched: %d", res.StatusCode)
	}
}

func TestHeaders(t *testing.T) {
	s := newSite(t)
	s.demo()
	res, _ := s.get("/")
	for k, v := range map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "strict-origin-when-cross-origin",
		"Content-Type":            "text/html; charset=UTF-8",
	} {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	// gzip when asked.
	req, _ := http.NewRequest("GET", s.url+"/number/447400123456", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	raw, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	raw.Body.Close()
	if raw.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("Content-Encoding %q, want gzip", raw.Header.Get("Content-Encoding"))
	}
	// HEAD answers like GET without a body.
	req, _ = http.NewRequest("HEAD", s.url+"/sender/9009", nil)
	hres, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	hres.Body.Close()
	if hres.StatusCode != 200 || hres.Header.Get("ETag") == "" {
		t.Errorf("HEAD: status %d, ETag %q", hres.StatusCode, hres.Header.Get("ETag"))
	}
	// No inline scripts or style attributes, which the policy forbids.
	for _, p := range []string{"/", "/number/447400123456", "/sender/9009", "/senders", "/search?q=code", "/countries", "/rules", "/nope"} {
		_, body := s.get(p)
		d := parse(t, body)
		for _, sc := range d.tag("script") {
			if src, ok := attr(sc, "src"); !ok || !strings.HasPrefix(src, "/static/") || text(sc) != "" {
				t.Errorf("%s: inline or foreign script %q", p, src)
			}
		}
		if n := d.all(func(n *html.Node) bool { _, ok := attr(n, "style"); return ok || n.Data == "style" }); len(n) > 0 {
			t.Errorf("%s: %d inline styles", p, len(n))
		}
		for _, b := range d.tag("button") {
			label, _ := attr(b, "aria-label")
			if label == "" && strings.TrimSpace(text(b)) == "" {
				t.Errorf("%s: a button without an accessible name", p)
			}
		}
	}
}

func TestStatic(t *testing.T) {
	s := newSite(t)
	_, body := s.get("/")
	d := parse(t, body)
	var css, js string
	for _, n := range d.tag("link") {
		if rel, _ := attr(n, "rel"); rel == "stylesheet" {
			css, _ = attr(n, "href")
		}
	}
	for _, n := range d.tag("script") {
		js, _ = attr(n, "src")
	}
	for _, tc := range []struct{ path, ctype string }{{css, "text/css"}, {js, "text/javascript"}} {
		if !strings.HasPrefix(tc.path, "/static/") || strings.Count(tc.path, ".") != 2 {
			t.Fatalf("asset URL %q is not content-hashed", tc.path)
		}
		res, body := s.get(tc.path)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.ctype) || len(body) < 100 {
			t.Fatalf("%s: status %d, type %q", tc.path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", tc.path, got)
		}
		if res, _ := s.get(tc.path, "If-None-Match", res.Header.Get("ETag")); res.StatusCode != 304 {
			t.Errorf("%s: revalidation %d, want 304", tc.path, res.StatusCode)
		}
	}
	res, _ := s.get("/static/app.0000000000.css")
	if res.StatusCode != 200 || strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("outdated hash: status %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	if res, _ := s.get("/static/nothing.js"); res.StatusCode != 404 {
		t.Errorf("unknown asset: status %d", res.StatusCode)
	}
}

func TestErrorAnswers(t *testing.T) {
	var failing templ.ComponentFunc = func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, "<p>half a page")
		return errors.New("template broke")
	}
	s := newSite(t, func(c *Config) {
		c.Mount = append(c.Mount, func(e *echo.Echo) {
			e.GET("/broken", func(c echo.Context) error { return Render(c, 200, failing) })
			e.GET("/api/v1/thing", func(c echo.Context) error { return store.Errorf(store.KindNotFound, "there is no thing") })
			e.GET("/api/v1/gone", func(c echo.Context) error { return store.Errorf(store.KindGone, "it was retired") })
			e.GET("/api/v1/limit", func(c echo.Context) error { return echo.NewHTTPError(http.StatusTooManyRequests, "slow down") })
		})
	})
	res, body := s.get("/broken")
	if res.StatusCode != 500 || strings.Contains(body, "half a page") || !strings.Contains(body, "Something went wrong") {
		t.Errorf("render failure: status %d, body %.200s", res.StatusCode, body)
	}
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/api/v1/thing", 404, "not_found"},
		{"/api/v1/gone", 410, "gone"},
		{"/api/v1/limit", 429, "rate_limited"},
		{"/api/v1/unknown", 404, "not_found"},
	} {
		res, body := s.get(tc.path)
		var e struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("%s: %v in %q", tc.path, err, body)
		}
		if res.StatusCode != tc.status || e.Error.Code != tc.code || e.Error.Message == "" {
			t.Errorf("%s: %d %+v, want %d %s", tc.path, res.StatusCode, e, tc.status, tc.code)
		}
	}
}

func TestWithoutHub(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir()+"/nohub.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AddNumber(ctx, "test", "+447400123456", ""); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(New(st, nil, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer ts.Close()
	res, err := http.Get(ts.URL + "/number/447400123456")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || strings.Contains(string(body), "data-events") || !strings.Contains(string(body), "Check for new messages") {
		t.Errorf("status %d; live box without a hub: %v", res.StatusCode, strings.Contains(string(body), "data-events"))
	}
	if !strings.Contains(string(body), `<link rel="canonical" href="`+ts.URL+`/number/447400123456">`) {
		t.Error("without a public URL the canonical link does not use the request's host")
	}
	res, err = http.Get(ts.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Errorf("events without a hub: status %d, want 204", res.StatusCode)
	}
}
